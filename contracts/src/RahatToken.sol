// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";

/// @title RahatToken
/// @notice The aid token: an ERC-20 with burning, configurable decimals, and a list of owners who may mint
/// and manage the list. A token created by RahatTreasury has the treasury as its first owner.
contract RahatToken is ERC20Burnable {
    /// @notice An account became an owner (the constructor announces the first one).
    event OwnerAdded(address indexed);
    /// @notice An account stopped being an owner.
    event OwnerRemoved(address indexed);

    /// @notice The caller (or the account to remove) is not an owner.
    error NotOwner(address account);
    /// @notice The account to add is already an owner.
    error AlreadyOwner(address account);
    /// @notice Removing this owner would leave the token without any.
    error LastOwner();
    /// @notice An address argument that must be set was zero.
    error ZeroAddress();
    /// @notice The recipients (left) and amounts (right) of mintBatch differ in length; same error as AdminControl.
    error LengthMismatch(uint256 left, uint256 right);

    uint8 private immutable _decimals;

    /// @notice Whether an account is an owner (owners mint and manage owners).
    mapping(address => bool) public isOwner;
    /// @notice How many owners there are; never zero.
    uint256 public ownerCount;

    modifier onlyOwner() {
        if (!isOwner[msg.sender]) revert NotOwner(msg.sender);
        _;
    }

    constructor(string memory name_, string memory symbol_, uint8 decimals_, address owner_) ERC20(name_, symbol_) {
        if (owner_ == address(0)) revert ZeroAddress();
        _decimals = decimals_;
        isOwner[owner_] = true;
        ownerCount = 1;
        emit OwnerAdded(owner_);
    }

    /// @inheritdoc ERC20
    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice Makes `account` an owner. Emits OwnerAdded.
    function addOwner(address account) external onlyOwner {
        if (account == address(0)) revert ZeroAddress();
        if (isOwner[account]) revert AlreadyOwner(account);
        isOwner[account] = true;
        ownerCount += 1;
        emit OwnerAdded(account);
    }

    /// @notice Removes `account` from the owners. Emits OwnerRemoved.
    function removeOwner(address account) external onlyOwner {
        if (!isOwner[account]) revert NotOwner(account);
        if (ownerCount == 1) revert LastOwner();
        isOwner[account] = false;
        ownerCount -= 1;
        emit OwnerRemoved(account);
    }

    /// @notice Mints `amount` to `to`. Emits Transfer(0, to, amount).
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }

    /// @notice Mints amounts[i] to to[i] for every i, one Transfer each, in order.
    function mintBatch(address[] calldata to, uint256[] calldata amounts) external onlyOwner {
        if (to.length != amounts.length) revert LengthMismatch(to.length, amounts.length);
        for (uint256 i = 0; i < to.length; ++i) {
            _mint(to[i], amounts[i]);
        }
    }

    /// @notice Mints `amount` to every address of `to`, going round the list `rounds` times, so one
    /// transaction emits to.length * rounds Transfer events. Meant for load tests: after the first round the
    /// balances are warm, and each further Transfer costs about 2,300 gas.
    function mintBatchRepeat(address[] calldata to, uint256 amount, uint256 rounds) external onlyOwner {
        for (uint256 r = 0; r < rounds; ++r) {
            for (uint256 i = 0; i < to.length; ++i) {
                _mint(to[i], amount);
            }
        }
    }
}
