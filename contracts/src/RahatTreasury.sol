// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AdminControl} from "./AdminControl.sol";
import {RahatToken} from "./RahatToken.sol";

/// @title RahatTreasury
/// @notice Creates aid tokens (each a new RahatToken contract owned by the treasury) and funds projects by
/// minting, either straight to a receiver or to the treasury with an allowance for a spender to pull.
contract RahatTreasury is AdminControl {
    /// @notice A new token contract was deployed at tokenAddress (a factory event: index its logs from here).
    event TokenCreated(address indexed tokenAddress);
    /// @notice amount of tokenAddress was minted to receiverAddress.
    event TokenMintedAndSent(address indexed tokenAddress, address indexed receiverAddress, uint256 amount);
    /// @notice amount of tokenAddress was minted to the treasury and approveAddress's allowance raised by it.
    event TokenMintedAndApproved(address indexed tokenAddress, address indexed approveAddress, uint256 amount);

    /// @notice The token was not created by this treasury.
    error UnknownToken(address token);

    /// @notice Whether a token was created by this treasury.
    mapping(address => bool) public isTreasuryToken;
    /// @notice The tokens created by this treasury, in creation order.
    address[] public tokens;

    constructor(address admin) AdminControl(admin) {}

    modifier knownToken(address token) {
        if (!isTreasuryToken[token]) revert UnknownToken(token);
        _;
    }

    /// @notice How many tokens this treasury has created.
    function tokenCount() external view returns (uint256) {
        return tokens.length;
    }

    /// @notice Deploys a new RahatToken owned by the treasury. The token's constructor emits
    /// OwnerAdded(treasury) before this contract emits TokenCreated, in the same transaction.
    function createToken(string calldata name, string calldata symbol, uint8 decimals)
        external
        onlyAdmin
        returns (address tokenAddress)
    {
        tokenAddress = address(new RahatToken(name, symbol, decimals, address(this)));
        isTreasuryToken[tokenAddress] = true;
        tokens.push(tokenAddress);
        emit TokenCreated(tokenAddress);
    }

    /// @notice Mints amount of token to receiver. Emits Transfer(0, receiver) then TokenMintedAndSent.
    function mintTokenAndSend(address token, address receiver, uint256 amount) external onlyAdmin knownToken(token) {
        if (receiver == address(0)) revert ZeroAddress();
        RahatToken(token).mint(receiver, amount);
        emit TokenMintedAndSent(token, receiver, amount);
    }

    /// @notice Mints amount of token to the treasury and raises spender's allowance by amount, so that the
    /// spender (typically a project, through increaseTokenBudget) can pull it. Emits Transfer(0, treasury),
    /// Approval(treasury, spender, newAllowance), then TokenMintedAndApproved.
    function mintTokenAndApprove(address token, address spender, uint256 amount)
        external
        onlyAdmin
        knownToken(token)
    {
        if (spender == address(0)) revert ZeroAddress();
        RahatToken t = RahatToken(token);
        t.mint(address(this), amount);
        t.approve(spender, t.allowance(address(this), spender) + amount);
        emit TokenMintedAndApproved(token, spender, amount);
    }

    /// @notice Makes account an owner of a treasury token (it may then mint directly, e.g. for load tests).
    function addTokenOwner(address token, address account) external onlyAdmin knownToken(token) {
        RahatToken(token).addOwner(account);
    }

    /// @notice Removes account from the owners of a treasury token.
    function removeTokenOwner(address token, address account) external onlyAdmin knownToken(token) {
        RahatToken(token).removeOwner(account);
    }
}
