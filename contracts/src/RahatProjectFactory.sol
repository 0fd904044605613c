// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AdminControl} from "./AdminControl.sol";
import {RahatProject} from "./RahatProject.sol";

/// @title RahatProjectFactory
/// @notice The registry of aid projects: deploys each RahatProject and announces it.
contract RahatProjectFactory is AdminControl {
    /// @notice A new project was deployed at projectAddress, distributing tokenAddress, under a readable
    /// name (a factory event: index the project's logs from here). The project's constructor emits nothing.
    event ProjectCreated(address indexed projectAddress, address indexed tokenAddress, string name);

    /// @notice The treasury every project of this factory may pull budget from (may be zero).
    address public immutable treasury;
    /// @notice Whether an address is a project created by this factory.
    mapping(address => bool) public isProject;
    /// @notice The projects created by this factory, in creation order.
    address[] public projects;

    constructor(address admin, address treasury_) AdminControl(admin) {
        treasury = treasury_;
    }

    /// @notice How many projects this factory has created.
    function projectCount() external view returns (uint256) {
        return projects.length;
    }

    /// @notice Deploys a project distributing token, with projectAdmin as its first admin and otpServer as
    /// the account that adds one-time-code hashes to claims (zero: set later with setOtpServer).
    function createProject(string calldata name, address token, address projectAdmin, address otpServer)
        external
        onlyAdmin
        returns (address projectAddress)
    {
        projectAddress = address(new RahatProject(name, token, projectAdmin, otpServer, treasury));
        isProject[projectAddress] = true;
        projects.push(projectAddress);
        emit ProjectCreated(projectAddress, token, name);
    }
}
