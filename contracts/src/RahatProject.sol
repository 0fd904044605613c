// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {AdminControl} from "./AdminControl.sol";

/// @title RahatProject
/// @notice One aid project distributing one token: beneficiaries, their allocations, approved vendors, and
/// the ways tokens reach vendors (one-time-code claims, offline vouchers) or beneficiaries (disbursement).
///
/// Roles: admins (AdminControl) manage beneficiaries, allocations, vendors, the OTP server, the walk-in
/// allowance and the budget; vendors create and process claims, enrol walk-in beneficiaries and redeem
/// tokens; the OTP server adds one-time-code hashes to claims.
///
/// Budget: tokenBudget counts the tokens the project holds and has recognised (TokenBudgetIncrease), less
/// what left it through claims and disbursements. totalAllocated is the sum of the beneficiaries' remaining
/// allocations. The free budget, availableBudget() = tokenBudget - totalAllocated, bounds every allocation:
/// an allocation may never make totalAllocated exceed tokenBudget. Tokens sent straight to the project count
/// only after syncTokenBudget.
///
/// Allocations: TokensAllocated sets a beneficiary's remaining allocation; ClaimProcessed,
/// OfflineClaimProcessed and TokensDisbursed then lower it by their amounts.
contract RahatProject is AdminControl {
    using SafeERC20 for IERC20;

    event BeneficiaryAdded(address indexed);
    event BeneficiaryRemoved(address indexed);
    event TokensAllocated(address indexed token, address indexed beneficiary, uint256 amount);
    event TokensDisbursed(address indexed token, address indexed beneficiary, uint256 amount);
    event ClaimerUpdated(address indexed claimer, bool approved);
    event ClaimProcessed(address indexed beneficiary, address indexed claimer, address indexed token, uint256 amount);
    event WalkInBeneficiaryAdded(
        address indexed beneficiary, address indexed vendor, address indexed tokenAddress, uint256 amount
    );
    event TokenBudgetIncrease(address indexed tokenAddress, uint256 amount);
    event TokenRedeem(address indexed vendorAddress, address indexed tokenAddress, uint256 amount);
    event ClaimCreated(
        uint256 indexed claimId,
        address indexed claimer,
        address indexed claimee,
        address token,
        address otpServer,
        uint256 amount
    );
    event OtpAdded(address indexed beneficiary, address indexed tokenAddress, uint256 amount, bytes32 otpHash);
    event OtpVerified(address indexed beneficiary, address indexed vendor, address indexed tokenAddress, uint256 amount);
    event OfflineClaimProcessed(
        address indexed beneficiary, address indexed vendor, address indexed tokenAddress, uint256 amount
    );

    error NotVendor(address account);
    error NotOtpServer(address account);
    error OtpServerNotSet();
    error NotBeneficiary(address account);
    error AlreadyBeneficiary(address account);
    error ZeroAmount();
    error InsufficientBudget(uint256 available, uint256 required);
    error InsufficientAllocation(address beneficiary, uint256 allocated, uint256 required);
    error FundingSourceNotAllowed(address from);
    error UnknownClaim(uint256 claimId);
    error NotClaimer(uint256 claimId, address account);
    error ClaimAlreadySettled(uint256 claimId);
    error InvalidOtpExpiry(uint256 expiresAt);
    error OtpNotSet(uint256 claimId);
    error OtpExpired(uint256 claimId, uint256 expiresAt);
    error InvalidOtp(uint256 claimId);
    error WalkInAmountTooHigh(uint256 allowed, uint256 requested);
    error VoucherExpired(uint256 deadline);
    error VoucherUsed(address beneficiary, uint256 nonce);
    error InvalidVoucherSigner(address signer);

    /// @dev One storage slot per beneficiary: registering is the only new slot a distribution creates, which
    /// matters on chains that price state growth (a new slot costs about 100,000 gas on the simulated chain).
    struct Beneficiary {
        bool registered;
        uint128 allocation; // the remaining allocation
    }

    /// @notice A vendor's request for a beneficiary's tokens, settled by a one-time code.
    struct Claim {
        address claimer; // the vendor
        uint64 expiresAt; // the code's expiry (unix seconds); zero until the OTP server adds a code
        bool settled;
        address claimee; // the beneficiary
        uint256 amount;
        bytes32 otpHash; // keccak256 of the code's UTF-8 bytes
    }

    /// @notice The type hash of an offline voucher; see offlineClaimDigest.
    bytes32 public constant OFFLINE_CLAIM_TYPEHASH = keccak256(
        "RahatOfflineClaim(uint256 chainId,address project,address beneficiary,address vendor,uint256 amount,uint256 nonce,uint256 deadline)"
    );

    /// @notice The project's readable name.
    string public name;
    /// @notice The token this project distributes.
    address public immutable token;
    /// @notice Besides the calling admin, the one account increaseTokenBudget may pull from (may be zero).
    address public immutable treasury;
    /// @notice The account allowed to add one-time-code hashes to claims.
    address public otpServer;
    /// @notice The largest allocation a vendor may give a walk-in beneficiary; zero disables walk-ins.
    uint256 public walkInAllowance;

    /// @notice Recognised tokens held by the project, allocated or not (see the contract's notes).
    uint256 public tokenBudget;
    /// @notice The sum of all beneficiaries' remaining allocations.
    uint256 public totalAllocated;
    /// @notice How many beneficiaries are registered.
    uint256 public beneficiaryCount;
    /// @notice How many claims were created; claim ids run from 1 to claimCount.
    uint256 public claimCount;

    /// @dev Read through isBeneficiary and allocation.
    mapping(address => Beneficiary) private _beneficiaries;
    /// @notice Whether an account is an approved vendor now.
    mapping(address => bool) public isVendor;
    /// @notice Whether an account has ever been an approved vendor (such accounts may always redeem).
    mapping(address => bool) public wasVendor;
    /// @notice Claims by id.
    mapping(uint256 => Claim) public claims;
    /// @notice Offline voucher nonces already used, per beneficiary.
    mapping(address => mapping(uint256 => bool)) public offlineNonceUsed;

    modifier onlyVendor() {
        if (!isVendor[msg.sender]) revert NotVendor(msg.sender);
        _;
    }

    constructor(string memory name_, address token_, address admin, address otpServer_, address treasury_)
        AdminControl(admin)
    {
        if (token_ == address(0)) revert ZeroAddress();
        name = name_;
        token = token_;
        otpServer = otpServer_;
        treasury = treasury_;
    }

    // ----- views -----

    /// @notice Whether an account is a registered beneficiary.
    function isBeneficiary(address account) external view returns (bool) {
        return _beneficiaries[account].registered;
    }

    /// @notice A beneficiary's remaining allocation.
    function allocation(address account) external view returns (uint256) {
        return _beneficiaries[account].allocation;
    }

    // ----- budget -----

    /// @notice The budget not yet allocated: tokenBudget - totalAllocated.
    function availableBudget() public view returns (uint256) {
        return tokenBudget - totalAllocated;
    }

    /// @notice Pulls amount of the token from `from` (the caller, or the treasury after its
    /// mintTokenAndApprove) into the budget. Emits Transfer then TokenBudgetIncrease.
    function increaseTokenBudget(address from, uint256 amount) external onlyAdmin {
        if (from != msg.sender && (from != treasury || from == address(0))) revert FundingSourceNotAllowed(from);
        if (amount == 0) revert ZeroAmount();
        IERC20(token).safeTransferFrom(from, address(this), amount);
        tokenBudget += amount;
        emit TokenBudgetIncrease(token, amount);
    }

    /// @notice Recognises tokens sent straight to the project (e.g. by the treasury's mintTokenAndSend) as
    /// budget. Anyone may call it; it emits TokenBudgetIncrease only when there is something to add.
    function syncTokenBudget() external returns (uint256 added) {
        uint256 held = IERC20(token).balanceOf(address(this));
        if (held <= tokenBudget) return 0;
        added = held - tokenBudget;
        tokenBudget = held;
        emit TokenBudgetIncrease(token, added);
    }

    // ----- beneficiaries and allocations -----

    /// @notice Registers a beneficiary. Emits BeneficiaryAdded.
    function addBeneficiary(address beneficiary) external onlyAdmin {
        _addBeneficiary(beneficiary);
    }

    /// @notice Registers many beneficiaries in one transaction (about 25,000 gas each).
    function addBeneficiaries(address[] calldata beneficiaries) external onlyAdmin {
        for (uint256 i = 0; i < beneficiaries.length; ++i) {
            _addBeneficiary(beneficiaries[i]);
        }
    }

    /// @notice Unregisters a beneficiary. A remaining allocation returns to the free budget first, announced
    /// as TokensAllocated(token, beneficiary, 0); then BeneficiaryRemoved.
    function removeBeneficiary(address beneficiary) external onlyAdmin {
        if (!_beneficiaries[beneficiary].registered) revert NotBeneficiary(beneficiary);
        if (_beneficiaries[beneficiary].allocation != 0) _setAllocation(beneficiary, 0);
        delete _beneficiaries[beneficiary];
        beneficiaryCount -= 1;
        emit BeneficiaryRemoved(beneficiary);
    }

    /// @notice Sets a beneficiary's remaining allocation to amount (zero withdraws it). Emits TokensAllocated.
    function allocateTokens(address beneficiary, uint256 amount) external onlyAdmin {
        _allocate(beneficiary, amount);
    }

    /// @notice Sets the allocations of many beneficiaries in one transaction (about 25,000 gas each).
    function allocateTokensBatch(address[] calldata beneficiaries, uint256[] calldata amounts) external onlyAdmin {
        if (beneficiaries.length != amounts.length) revert LengthMismatch(beneficiaries.length, amounts.length);
        for (uint256 i = 0; i < beneficiaries.length; ++i) {
            _allocate(beneficiaries[i], amounts[i]);
        }
    }

    /// @notice Sends amount of a beneficiary's allocation to the beneficiary's own wallet.
    /// Emits Transfer(project, beneficiary) then TokensDisbursed.
    function disburseTokens(address beneficiary, uint256 amount) external onlyAdmin {
        _spend(beneficiary, amount);
        IERC20(token).safeTransfer(beneficiary, amount);
        emit TokensDisbursed(token, beneficiary, amount);
    }

    // ----- vendors, OTP server, walk-ins -----

    /// @notice Approves or revokes a vendor (a claimer). Emits ClaimerUpdated.
    function updateVendor(address vendor, bool approved) external onlyAdmin {
        if (vendor == address(0)) revert ZeroAddress();
        isVendor[vendor] = approved;
        if (approved) wasVendor[vendor] = true;
        emit ClaimerUpdated(vendor, approved);
    }

    /// @notice Sets the account that adds one-time-code hashes; zero stops new claims.
    function setOtpServer(address server) external onlyAdmin {
        otpServer = server;
    }

    /// @notice Sets the largest allocation a vendor may give a walk-in beneficiary (zero disables walk-ins).
    function setWalkInAllowance(uint256 amount) external onlyAdmin {
        walkInAllowance = amount;
    }

    /// @notice A vendor enrols an unregistered person who walked in, with an allocation of at most
    /// walkInAllowance from the free budget. Emits BeneficiaryAdded, TokensAllocated, WalkInBeneficiaryAdded;
    /// the allocation is then claimed like any other.
    function addWalkInBeneficiary(address beneficiary, uint256 amount) external onlyVendor {
        if (amount == 0) revert ZeroAmount();
        if (amount > walkInAllowance) revert WalkInAmountTooHigh(walkInAllowance, amount);
        _addBeneficiary(beneficiary);
        _allocate(beneficiary, amount);
        emit WalkInBeneficiaryAdded(beneficiary, msg.sender, token, amount);
    }

    /// @notice A vendor (current or former) hands amount of tokens back to the project for cash; the tokens
    /// are burnt from the vendor, who must first approve the project. Emits Transfer(vendor, 0), TokenRedeem.
    function redeemTokens(uint256 amount) external {
        if (!wasVendor[msg.sender]) revert NotVendor(msg.sender);
        if (amount == 0) revert ZeroAmount();
        ERC20Burnable(token).burnFrom(msg.sender, amount);
        emit TokenRedeem(msg.sender, token, amount);
    }

    // ----- claims with a one-time code -----

    /// @notice A vendor asks for amount of a beneficiary's allocation. Emits ClaimCreated; the OTP server
    /// then texts the beneficiary a code and adds its hash (addOtpToClaim).
    function createClaim(address beneficiary, uint256 amount) external onlyVendor returns (uint256 claimId) {
        if (otpServer == address(0)) revert OtpServerNotSet();
        if (amount == 0) revert ZeroAmount();
        Beneficiary storage b = _beneficiaries[beneficiary];
        if (!b.registered) revert NotBeneficiary(beneficiary);
        if (b.allocation < amount) revert InsufficientAllocation(beneficiary, b.allocation, amount);
        claimId = ++claimCount;
        claims[claimId] =
            Claim({claimer: msg.sender, expiresAt: 0, settled: false, claimee: beneficiary, amount: amount, otpHash: 0});
        emit ClaimCreated(claimId, msg.sender, beneficiary, token, otpServer, amount);
    }

    /// @notice The OTP server stores the hash of a claim's code (keccak256 of its UTF-8 bytes), valid until
    /// expiresAt (unix seconds). A new code replaces an unexpired one (a resend). Emits OtpAdded.
    function addOtpToClaim(uint256 claimId, bytes32 otpHash, uint64 expiresAt) external {
        if (msg.sender != otpServer) revert NotOtpServer(msg.sender);
        Claim storage c = _openClaim(claimId);
        if (expiresAt <= block.timestamp) revert InvalidOtpExpiry(expiresAt);
        c.otpHash = otpHash;
        c.expiresAt = expiresAt;
        emit OtpAdded(c.claimee, token, c.amount, otpHash);
    }

    /// @notice The vendor who created the claim submits the beneficiary's code; the tokens move from the
    /// project to the vendor. Emits OtpVerified, Transfer(project, vendor), ClaimProcessed.
    function processClaim(uint256 claimId, string calldata otp) external onlyVendor {
        Claim storage c = _openClaim(claimId);
        if (c.claimer != msg.sender) revert NotClaimer(claimId, msg.sender);
        if (c.expiresAt == 0) revert OtpNotSet(claimId);
        if (block.timestamp > c.expiresAt) revert OtpExpired(claimId, c.expiresAt);
        if (keccak256(bytes(otp)) != c.otpHash) revert InvalidOtp(claimId);
        c.settled = true;
        address beneficiary = c.claimee;
        uint256 amount = c.amount;
        emit OtpVerified(beneficiary, msg.sender, token, amount);
        _spend(beneficiary, amount);
        IERC20(token).safeTransfer(msg.sender, amount);
        emit ClaimProcessed(beneficiary, msg.sender, token, amount);
    }

    // ----- offline claims -----

    /// @notice The hash an offline voucher signs (with the Ethereum signed-message prefix, as eth_sign and
    /// personal_sign add it). The signer is the beneficiary or the project's OTP server.
    function offlineClaimDigest(address beneficiary, address vendor, uint256 amount, uint256 nonce, uint256 deadline)
        public
        view
        returns (bytes32)
    {
        return keccak256(
            abi.encode(OFFLINE_CLAIM_TYPEHASH, block.chainid, address(this), beneficiary, vendor, amount, nonce, deadline)
        );
    }

    /// @notice A vendor that served a beneficiary while offline settles a signed voucher later. Each
    /// (beneficiary, nonce) settles once. Emits Transfer(project, vendor) then OfflineClaimProcessed.
    function processOfflineClaim(
        address beneficiary,
        uint256 amount,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external onlyVendor {
        if (block.timestamp > deadline) revert VoucherExpired(deadline);
        if (offlineNonceUsed[beneficiary][nonce]) revert VoucherUsed(beneficiary, nonce);
        bytes32 digest = offlineClaimDigest(beneficiary, msg.sender, amount, nonce, deadline);
        address signer = ECDSA.recover(MessageHashUtils.toEthSignedMessageHash(digest), signature);
        if (signer != beneficiary && (signer != otpServer || signer == address(0))) {
            revert InvalidVoucherSigner(signer);
        }
        offlineNonceUsed[beneficiary][nonce] = true;
        _spend(beneficiary, amount);
        IERC20(token).safeTransfer(msg.sender, amount);
        emit OfflineClaimProcessed(beneficiary, msg.sender, token, amount);
    }

    // ----- internals -----

    function _addBeneficiary(address beneficiary) private {
        if (beneficiary == address(0)) revert ZeroAddress();
        if (_beneficiaries[beneficiary].registered) revert AlreadyBeneficiary(beneficiary);
        _beneficiaries[beneficiary].registered = true;
        beneficiaryCount += 1;
        emit BeneficiaryAdded(beneficiary);
    }

    function _allocate(address beneficiary, uint256 amount) private {
        if (!_beneficiaries[beneficiary].registered) revert NotBeneficiary(beneficiary);
        uint256 free = tokenBudget - totalAllocated + _beneficiaries[beneficiary].allocation;
        if (amount > free) revert InsufficientBudget(free, amount);
        _setAllocation(beneficiary, amount);
    }

    function _setAllocation(address beneficiary, uint256 amount) private {
        Beneficiary storage b = _beneficiaries[beneficiary];
        totalAllocated = totalAllocated - b.allocation + amount;
        b.allocation = SafeCast.toUint128(amount);
        emit TokensAllocated(token, beneficiary, amount);
    }

    /// @dev Takes amount out of a beneficiary's allocation and out of the budget; the caller moves the tokens.
    function _spend(address beneficiary, uint256 amount) private {
        if (amount == 0) revert ZeroAmount();
        Beneficiary storage b = _beneficiaries[beneficiary];
        if (!b.registered) revert NotBeneficiary(beneficiary);
        uint256 allocated = b.allocation;
        if (allocated < amount) revert InsufficientAllocation(beneficiary, allocated, amount);
        b.allocation = uint128(allocated - amount); // fits: allocated fits and amount <= allocated
        totalAllocated -= amount;
        tokenBudget -= amount;
    }

    function _openClaim(uint256 claimId) private view returns (Claim storage c) {
        c = claims[claimId];
        if (c.claimer == address(0)) revert UnknownClaim(claimId);
        if (c.settled) revert ClaimAlreadySettled(claimId);
    }
}
