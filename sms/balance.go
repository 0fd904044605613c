package sms

import (
	"cmp"
	"context"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/rahataid/rahat/indexer/entity"
)

// lineSQL defines the CTE "line": the current balance of the addresses in the CTE "addr"
// (column address) on chain $1, one row per token, summed over the addresses. It is
// entity.BeneficiaryBalances at the current block, for several addresses at once: a phone
// registered in several projects is one person, so the reply says how much of each token the
// person can spend over all its registrations (balance_test.go checks the two against each
// other). For the current state, the version of an entity that contains the newest block is its
// open one (upper_inf), which the partial indexes *_current find directly. Amounts are returned as
// text: they are integers, and big.Int parses text exactly.
const lineSQL = `
alloc AS (
    SELECT b.token, sum(b.allocation) AS allocation, sum(b.claimed + b.offline_claimed) AS claimed,
           sum(b.disbursed) AS disbursed
    FROM ent_beneficiaries b
    WHERE b.chain_id = $1 AND b.address IN (SELECT address FROM addr) AND upper_inf(b.block_range)
      AND b.token IS NOT NULL
    GROUP BY b.token
), wallet AS (
    SELECT w.token, sum(w.balance) AS balance, sum(w.received) AS received
    FROM ent_balances w
    WHERE w.chain_id = $1 AND w.holder IN (SELECT address FROM addr) AND upper_inf(w.block_range)
    GROUP BY w.token
), line AS (
    SELECT coalesce(a.token, w.token) AS token, t.symbol, t.decimals,
           (coalesce(a.allocation, 0) + coalesce(w.balance, 0))::text AS available,
           (coalesce(a.allocation, 0) + coalesce(a.claimed, 0) + coalesce(a.disbursed, 0))::text AS allocated,
           coalesce(w.received, 0)::text AS received,
           coalesce(a.claimed, 0)::text AS claimed
    FROM alloc a
    FULL JOIN wallet w ON w.token = a.token
    LEFT JOIN ent_tokens t ON t.id = ent_id($1::int8, coalesce(a.token, w.token)) AND upper_inf(t.block_range)
)`

// balancesSQL reads the balance of the addresses $2 on chain $1: the second statement of a
// balance check when balances are read from a separate pool (Config.Read).
const balancesSQL = `
WITH addr AS (SELECT DISTINCT unnest($2::bytea[]) AS address),` + lineSQL + `
SELECT token, symbol, decimals, available, allocated, received, claimed
FROM line
ORDER BY symbol NULLS LAST, token`

// readBalances reads the balance of a beneficiary's addresses, with balancesSQL.
func readBalances(ctx context.Context, q entity.Querier, chainID uint64, addrs [][]byte) ([]tokenLine, error) {
	rows, err := q.Query(ctx, balancesSQL, int64(chainID), addrs)
	if err != nil {
		return nil, fmt.Errorf("reading balances: %w", err)
	}
	defer rows.Close()
	var lines []tokenLine
	for rows.Next() {
		var c lineColumns
		if err := rows.Scan(c.dest()...); err != nil {
			return nil, fmt.Errorf("reading balances: %w", err)
		}
		if err := c.appendTo(&lines); err != nil {
			return nil, fmt.Errorf("reading balances: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading balances: %w", err)
	}
	sortLines(lines)
	return lines, nil
}

// lineColumns are the columns of a row of the CTE "line"; a NULL token is no line (a number
// with no tokens, or balances that were not read).
type lineColumns struct {
	token                                   []byte
	symbol                                  *string
	decimals                                *int16
	available, allocated, received, claimed *string
}

func (c *lineColumns) dest() []any {
	return []any{&c.token, &c.symbol, &c.decimals, &c.available, &c.allocated, &c.received, &c.claimed}
}

// appendTo adds the row's line to lines, if the row has one.
func (c *lineColumns) appendTo(lines *[]tokenLine) error {
	if c.token == nil {
		return nil
	}
	l := tokenLine{Symbol: symbolOf(deref(c.symbol), common.BytesToAddress(c.token))}
	if c.decimals != nil {
		l.Decimals = uint8(*c.decimals)
	}
	for _, a := range []struct {
		dst **big.Int
		src *string
	}{{&l.Available, c.available}, {&l.Allocated, c.allocated}, {&l.Received, c.received}, {&l.Claimed, c.claimed}} {
		v, ok := new(big.Int).SetString(deref(a.src), 10)
		if !ok {
			return fmt.Errorf("token %x: amount %q is not an integer", c.token, deref(a.src))
		}
		*a.dst = v
	}
	*lines = append(*lines, l)
	return nil
}

// sortLines orders a reply's lines by the symbol shown; the statements order tokens by symbol
// already, but symbolOf may change a symbol.
func sortLines(lines []tokenLine) {
	slices.SortStableFunc(lines, func(a, b tokenLine) int { return cmp.Compare(a.Symbol, b.Symbol) })
}

// symbolOf is a token's symbol, or a short form of its address when the token has none. Symbols
// come from contracts and go into an SMS: control characters and spaces are dropped and the
// length is capped.
func symbolOf(symbol string, token common.Address) string {
	symbol = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, symbol)
	if r := []rune(symbol); len(r) > 11 {
		symbol = string(r[:11])
	}
	if symbol == "" {
		return token.Hex()[:8]
	}
	return symbol
}
