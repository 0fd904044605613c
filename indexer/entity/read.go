package entity

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Querier runs read queries: a *pgxpool.Pool, a *pgx.Conn and a pgx.Tx all satisfy it.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// ErrNotFound is returned when the entity asked for does not exist (at the block asked for).
var ErrNotFound = errors.New("entity not found")

// atArg is the block whose versions a read selects with block_range @> $n: the given block, or
// for the current state (nil) the largest int8, which only open versions contain.
func atArg(atBlock *uint64) int64 {
	if atBlock == nil {
		return math.MaxInt64
	}
	if *atBlock > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(*atBlock)
}

// TokenBalance is what a beneficiary has of one token, summed over the projects that distribute
// it, as the SMS balance reply and the API show it.
type TokenBalance struct {
	Token        common.Address
	Name, Symbol string
	Decimals     uint8
	HasDecimals  bool     // false when the token did not report its decimals
	Allocation   *big.Int // remaining allocation (what vendors may still claim), = the contracts' allocation()
	Claimed      *big.Int // taken from the allocation by vendors, with a code or an offline voucher
	Disbursed    *big.Int // sent from the allocation to the beneficiary's wallet
	Allocated    *big.Int // everything ever granted: Allocation + Claimed + Disbursed
	Balance      *big.Int // tokens in the beneficiary's own wallet (at the block read)
	Received     *big.Int // all tokens the wallet ever received (disbursements and transfers)
	Available    *big.Int // what the beneficiary can still spend: Allocation + Balance
}

// The past versions of an account's entities are found through their current versions (every key
// has one): the partial index on the address gives the ids, the exclusion index the version of
// each id that contains the block. For the current state ($3 = the largest int8) that version is
// the current one itself.
const beneficiaryBalancesSQL = `
WITH alloc AS (
    SELECT b.token, sum(b.allocation) AS allocation, sum(b.claimed + b.offline_claimed) AS claimed,
           sum(b.disbursed) AS disbursed
    FROM ent_beneficiaries cur
    JOIN ent_beneficiaries b ON b.id = cur.id AND b.block_range @> $3::int8
    WHERE cur.chain_id = $1 AND cur.address = $2 AND upper_inf(cur.block_range) AND b.token IS NOT NULL
    GROUP BY b.token
), wallet AS (
    SELECT w.token, w.balance, w.received
    FROM ent_balances cur
    JOIN ent_balances w ON w.id = cur.id AND w.block_range @> $3::int8
    WHERE cur.chain_id = $1 AND cur.holder = $2 AND upper_inf(cur.block_range)
)
SELECT coalesce(a.token, w.token), t.name, t.symbol, t.decimals,
       coalesce(a.allocation, 0), coalesce(a.claimed, 0), coalesce(a.disbursed, 0),
       coalesce(w.balance, 0), coalesce(w.received, 0)
FROM alloc a
FULL JOIN wallet w ON w.token = a.token
LEFT JOIN ent_tokens t ON t.id = ent_id($1::int8, coalesce(a.token, w.token)) AND t.block_range @> $3::int8
ORDER BY t.symbol NULLS LAST, 1`

// BeneficiaryBalances returns a beneficiary's balances per token, at atBlock or now (nil): every
// token the account has an allocation of (in any project, also after removal) or holds in its
// wallet, ordered by symbol.
func BeneficiaryBalances(ctx context.Context, q Querier, chainID uint64, beneficiary common.Address, atBlock *uint64) ([]TokenBalance, error) {
	rows, err := q.Query(ctx, beneficiaryBalancesSQL, int64(chainID), beneficiary.Bytes(), atArg(atBlock))
	if err != nil {
		return nil, fmt.Errorf("reading balances of %s: %w", beneficiary, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (TokenBalance, error) {
		var tb TokenBalance
		var tok []byte
		var name, symbol *string
		var decimals *int16
		n := make([]pgtype.Numeric, 5)
		if err := row.Scan(&tok, &name, &symbol, &decimals, &n[0], &n[1], &n[2], &n[3], &n[4]); err != nil {
			return tb, err
		}
		tb.Token = common.BytesToAddress(tok)
		tb.Name, tb.Symbol = deref(name), deref(symbol)
		if decimals != nil {
			tb.Decimals, tb.HasDecimals = uint8(*decimals), true
		}
		if err := scanBigs(n, &tb.Allocation, &tb.Claimed, &tb.Disbursed, &tb.Balance, &tb.Received); err != nil {
			return tb, err
		}
		tb.Allocated = add(add(tb.Allocation, tb.Claimed), tb.Disbursed)
		tb.Available = add(tb.Allocation, tb.Balance)
		return tb, nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading balances of %s: %w", beneficiary, err)
	}
	return out, nil
}

// VendorTotal is a vendor's activity in one project.
type VendorTotal struct {
	Project, Token common.Address
	Symbol         string
	Decimals       uint8
	Approved       bool  // may create claims and enrol walk-ins now (isVendor)
	EverApproved   bool  // was ever approved, so may redeem (wasVendor)
	Claims         int64 // claims created
	Processed      int64 // claims settled with a code
	Claimed        *big.Int
	Offline        int64 // offline vouchers settled
	OfflineClaimed *big.Int
	Redemptions    int64 // TokenRedeem count
	Redeemed       *big.Int
	WalkIns        int64
	// TokenBalance is the vendor's wallet balance of the project's token (shared by all projects
	// of that token).
	TokenBalance *big.Int
}

const vendorTotalsSQL = `
SELECT v.project, v.token, t.symbol, t.decimals, v.approved, v.ever_approved, v.claim_count, v.processed_count,
       v.claimed, v.offline_count, v.offline_claimed, v.redeem_count, v.redeemed, v.walk_in_count,
       coalesce(w.balance, 0)
FROM ent_vendors cur
JOIN ent_vendors v ON v.id = cur.id AND v.block_range @> $3::int8
LEFT JOIN ent_tokens t ON t.id = ent_id($1::int8, v.token) AND t.block_range @> $3::int8
LEFT JOIN ent_balances w ON w.id = ent_id($1::int8, v.token, v.address) AND w.block_range @> $3::int8
WHERE cur.chain_id = $1 AND cur.address = $2 AND upper_inf(cur.block_range)
ORDER BY v.project`

// VendorTotals returns a vendor's totals per project, at atBlock or now (nil).
func VendorTotals(ctx context.Context, q Querier, chainID uint64, vendor common.Address, atBlock *uint64) ([]VendorTotal, error) {
	rows, err := q.Query(ctx, vendorTotalsSQL, int64(chainID), vendor.Bytes(), atArg(atBlock))
	if err != nil {
		return nil, fmt.Errorf("reading vendor %s: %w", vendor, err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (VendorTotal, error) {
		var v VendorTotal
		var proj, tok []byte
		var symbol *string
		var decimals *int16
		n := make([]pgtype.Numeric, 4)
		if err := row.Scan(&proj, &tok, &symbol, &decimals, &v.Approved, &v.EverApproved, &v.Claims, &v.Processed,
			&n[0], &v.Offline, &n[1], &v.Redemptions, &n[2], &v.WalkIns, &n[3]); err != nil {
			return v, err
		}
		v.Project, v.Token, v.Symbol = common.BytesToAddress(proj), common.BytesToAddress(tok), deref(symbol)
		if decimals != nil {
			v.Decimals = uint8(*decimals)
		}
		return v, scanBigs(n, &v.Claimed, &v.OfflineClaimed, &v.Redeemed, &v.TokenBalance)
	})
	if err != nil {
		return nil, fmt.Errorf("reading vendor %s: %w", vendor, err)
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
