// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title AdminControl
/// @notice A set of admin accounts shared by the treasury, the project factory and each project.
/// @dev Admin changes emit no event on purpose: the event interface of these contracts is fixed by the
/// dashboards' existing subgraph queries, and it has none for admins. Read `isAdmin` for the current set.
abstract contract AdminControl {
    /// @notice The caller is not an admin of this contract.
    error NotAdmin(address account);
    /// @notice Removing this admin would leave the contract without any.
    error LastAdmin();
    /// @notice An address argument that must be set was zero.
    error ZeroAddress();
    /// @notice Two arrays that must pair up element by element differ in length.
    error LengthMismatch(uint256 left, uint256 right);

    /// @notice Whether an account is an admin.
    mapping(address => bool) public isAdmin;
    /// @notice How many admins there are; never zero.
    uint256 public adminCount;

    modifier onlyAdmin() {
        if (!isAdmin[msg.sender]) revert NotAdmin(msg.sender);
        _;
    }

    constructor(address admin) {
        if (admin == address(0)) revert ZeroAddress();
        isAdmin[admin] = true;
        adminCount = 1;
    }

    /// @notice Grants (approved = true) or revokes admin rights. Idempotent; the last admin cannot be removed.
    function updateAdmin(address account, bool approved) external onlyAdmin {
        if (account == address(0)) revert ZeroAddress();
        if (isAdmin[account] == approved) return;
        if (approved) {
            adminCount += 1;
        } else {
            if (adminCount == 1) revert LastAdmin();
            adminCount -= 1;
        }
        isAdmin[account] = approved;
    }
}
