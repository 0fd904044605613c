package entity

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
)

// ClaimState is the state of a vendor's claim on a beneficiary's allocation.
type ClaimState string

// The states of a claim. ClaimExpired is never stored: see Claim.StateAt.
const (
	ClaimCreated   ClaimState = stateCreated   // created by the vendor, no code yet
	ClaimCodeAdded ClaimState = stateCodeAdded // the OTP server added a code, still valid
	ClaimProcessed ClaimState = stateProcessed // settled: the tokens went to the vendor
	ClaimExpired   ClaimState = "expired"      // a code was added and has expired; a new code revives it
)

// Claim is a version of a claim (ent_claims).
type Claim struct {
	Project   common.Address
	ID        *big.Int
	Claimer   common.Address // the vendor
	Claimee   common.Address // the beneficiary
	Token     common.Address
	OtpServer common.Address
	Amount    *big.Int
	// State is the stored state: created, code_added or processed.
	State ClaimState
	// OtpHash and ExpiresAt (unix seconds) are those of the latest code; nil before the first code,
	// and ExpiresAt is also nil when the code's expiry could not be read (see the package notes).
	OtpHash        *common.Hash
	ExpiresAt      *uint64
	CodeCount      int64
	CreatedBlock   uint64
	CreatedAt      uint64
	CreatedTx      common.Hash
	CodeAddedAt    *uint64
	ProcessedBlock *uint64
	ProcessedAt    *uint64
	ProcessedTx    *common.Hash
}

// StateAt returns the claim's state at unix time t (pass the timestamp of the block read, or now
// for a decision about the next block): a code_added claim whose code expired before t is
// ClaimExpired, as the contract refuses processClaim when block.timestamp > expiresAt.
func (c Claim) StateAt(t uint64) ClaimState {
	if c.State == ClaimCodeAdded && c.ExpiresAt != nil && t > *c.ExpiresAt {
		return ClaimExpired
	}
	return c.State
}

const getClaimSQL = selectClaims + `
WHERE c.id = $1 AND c.block_range @> $2::int8`

// ListClaims filters are optional; the plan for the filter used comes from the claimer and
// claimee indexes, or the exclusion index for a project.
const listClaimsSQL = selectClaims + `
WHERE c.chain_id = $1 AND c.block_range @> $2::int8
  AND ($3::bytea IS NULL OR c.project = $3)
  AND ($4::bytea IS NULL OR c.claimer = $4)
  AND ($5::bytea IS NULL OR c.claimee = $5)
ORDER BY c.project, c.claim_id
LIMIT $6`

// GetClaim returns claim id of project at atBlock or now (nil), or ErrNotFound.
func GetClaim(ctx context.Context, q Querier, chainID uint64, project common.Address, id *big.Int, atBlock *uint64) (Claim, error) {
	rows, err := q.Query(ctx, getClaimSQL, claimID(int64(chainID), newClaimKey(project, id)), atArg(atBlock))
	if err != nil {
		return Claim{}, fmt.Errorf("reading claim %s of %s: %w", id, project, err)
	}
	c, err := pgx.CollectExactlyOneRow(rows, scanClaimRow)
	if errors.Is(err, pgx.ErrNoRows) {
		return Claim{}, ErrNotFound
	}
	if err != nil {
		return Claim{}, fmt.Errorf("reading claim %s of %s: %w", id, project, err)
	}
	return c, nil
}

// ClaimFilter selects claims for ListClaims; nil fields do not filter. At least one should be set
// on a large index.
type ClaimFilter struct {
	Project, Claimer, Claimee *common.Address
	// Limit caps the result (default 1000).
	Limit int
}

// ListClaims returns the claims f selects at atBlock or now (nil), ordered by project and id.
func ListClaims(ctx context.Context, q Querier, chainID uint64, f ClaimFilter, atBlock *uint64) ([]Claim, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 1000
	}
	rows, err := q.Query(ctx, listClaimsSQL, int64(chainID), atArg(atBlock), addrBytes(f.Project),
		addrBytes(f.Claimer), addrBytes(f.Claimee), limit)
	if err != nil {
		return nil, fmt.Errorf("listing claims: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanClaimRow)
	if err != nil {
		return nil, fmt.Errorf("listing claims: %w", err)
	}
	return out, nil
}

func scanClaimRow(row pgx.CollectableRow) (Claim, error) {
	k, c, _, err := scanClaim(row)
	if err != nil {
		return Claim{}, err
	}
	u := func(p *int64) *uint64 {
		if p == nil {
			return nil
		}
		v := uint64(*p)
		return &v
	}
	return Claim{
		Project: k.project, ID: k.idBig(), Claimer: c.claimer, Claimee: c.claimee, Token: c.token,
		OtpServer: c.otpServer, Amount: c.amount, State: ClaimState(c.state), OtpHash: c.otpHash,
		ExpiresAt: u(c.expiresAt), CodeCount: c.codes, CreatedBlock: uint64(c.createdBlock),
		CreatedAt: uint64(c.createdAt), CreatedTx: c.createdTx, CodeAddedAt: u(c.codeAddedAt),
		ProcessedBlock: u(c.processedBlock), ProcessedAt: u(c.processedAt), ProcessedTx: c.processedTx,
	}, nil
}
