package contracts

import (
	"crypto/ecdsa"
	"encoding/hex"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// OtpHash is the hash RahatProject.addOtpToClaim expects for a one-time code: keccak256 of the code's
// UTF-8 bytes. processClaim succeeds when the vendor submits the same code.
//
// The hash is public on chain, so a short numeric code alone could be found by trying every value:
// the API hashes SaltedOtp(code, salt) instead, with a secret salt of its own.
func OtpHash(code string) common.Hash {
	return crypto.Keccak256Hash([]byte(code))
}

// SaltedOtp is a one-time code as it goes on chain: the code the beneficiary reads out, a dot and
// the hex of a secret salt the OTP server drew for it (the code alone when salt is empty).
// addOtpToClaim gets OtpHash(SaltedOtp(code, salt)), and processClaim the salted string, which
// the OTP server completes once the vendor has given the right code: until then the salt is known
// to the OTP server only, and 16 bytes of it put the hash out of reach of trying every code. The
// contract is unchanged: it compares keccak256 of whatever string processClaim receives.
func SaltedOtp(code string, salt []byte) string {
	if len(salt) == 0 {
		return code
	}
	return code + "." + hex.EncodeToString(salt)
}

// offlineClaimTypeHash mirrors RahatProject.OFFLINE_CLAIM_TYPEHASH.
var offlineClaimTypeHash = crypto.Keccak256Hash([]byte(
	"RahatOfflineClaim(uint256 chainId,address project,address beneficiary,address vendor,uint256 amount,uint256 nonce,uint256 deadline)",
))

// OfflineVoucher is a beneficiary's (or the OTP server's) signed consent that vendor may take amount of the
// beneficiary's allocation in project, usable once per (beneficiary, nonce) until deadline (unix seconds).
type OfflineVoucher struct {
	ChainID     *big.Int
	Project     common.Address
	Beneficiary common.Address
	Vendor      common.Address
	Amount      *big.Int
	Nonce       *big.Int
	Deadline    *big.Int
}

// Digest returns the hash the voucher's signer signs, equal to RahatProject.offlineClaimDigest.
func (v OfflineVoucher) Digest() (common.Hash, error) {
	args := abi.Arguments{
		{Type: mustType("bytes32")}, {Type: mustType("uint256")}, {Type: mustType("address")},
		{Type: mustType("address")}, {Type: mustType("address")}, {Type: mustType("uint256")},
		{Type: mustType("uint256")}, {Type: mustType("uint256")},
	}
	for _, n := range []*big.Int{v.ChainID, v.Amount, v.Nonce, v.Deadline} {
		if n == nil {
			return common.Hash{}, fmt.Errorf("offline voucher: chain id, amount, nonce and deadline must be set")
		}
	}
	enc, err := args.Pack(offlineClaimTypeHash, v.ChainID, v.Project, v.Beneficiary, v.Vendor, v.Amount, v.Nonce, v.Deadline)
	if err != nil {
		return common.Hash{}, fmt.Errorf("encoding offline voucher: %w", err)
	}
	return crypto.Keccak256Hash(enc), nil
}

// Sign signs the voucher's digest as personal_sign does (with the Ethereum signed-message prefix) and
// returns the 65-byte signature, v = 27 or 28, that RahatProject.processOfflineClaim takes.
func (v OfflineVoucher) Sign(key *ecdsa.PrivateKey) ([]byte, error) {
	digest, err := v.Digest()
	if err != nil {
		return nil, err
	}
	sig, err := crypto.Sign(accounts.TextHash(digest[:]), key)
	if err != nil {
		return nil, fmt.Errorf("signing offline voucher: %w", err)
	}
	sig[crypto.RecoveryIDOffset] += 27
	return sig, nil
}

func mustType(t string) abi.Type {
	typ, err := abi.NewType(t, "", nil)
	if err != nil {
		panic(fmt.Sprintf("contracts: bad ABI type %q: %v", t, err)) // a programming error, caught by tests
	}
	return typ
}
