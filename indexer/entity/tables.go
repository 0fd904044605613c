package entity

import (
	"crypto/sha256"
	"encoding/binary"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5/pgtype"
)

// pair keys the entities of two addresses: (project, account) and (token, holder).
type pair struct{ a, b common.Address }

func pairArrays(keys []pair) []any {
	a, b := make([][]byte, len(keys)), make([][]byte, len(keys))
	for i, k := range keys {
		a[i], b[i] = k.a.Bytes(), k.b.Bytes()
	}
	return []any{a, b}
}

// entityID is the id column of an entity: the first 16 bytes of sha256(chain id as 8 big-endian
// bytes || the key's parts), as the SQL function ent_id computes it.
func entityID(chain int64, parts ...[]byte) pgtype.UUID {
	h := sha256.New()
	var c [8]byte
	binary.BigEndian.PutUint64(c[:], uint64(chain))
	h.Write(c[:])
	for _, p := range parts {
		h.Write(p)
	}
	var id pgtype.UUID
	copy(id.Bytes[:], h.Sum(nil))
	id.Valid = true
	return id
}

func addrID(chain int64, a common.Address) pgtype.UUID { return entityID(chain, a.Bytes()) }

func pairID(chain int64, k pair) pgtype.UUID { return entityID(chain, k.a.Bytes(), k.b.Bytes()) }

// ---- tokens ----

// token is a version of ent_tokens.
type token struct {
	name, symbol               *string
	decimals                   *int16
	treasury                   *common.Address
	supply, minted, burnt      *big.Int
	holders, transfers, owners int64
	firstBlock                 int64
}

// selectTokens is what tokenSpec's scan reads; load and the checker add their joins and filters.
const selectTokens = `
SELECT t.address, t.name, t.symbol, t.decimals, t.treasury, t.total_supply, t.minted, t.burnt,
       t.holder_count, t.transfer_count, t.owner_count, t.first_block, lower(t.block_range)
FROM ent_tokens t`

const loadTokensSQL = selectTokens + `
WHERE t.id = ANY($1::uuid[]) AND upper_inf(t.block_range)`

func tokenSpec() *spec[common.Address, token] {
	return &spec[common.Address, token]{
		table: "ent_tokens",
		columns: []string{"chain_id", "address", "block_range", "name", "symbol", "decimals", "treasury",
			"total_supply", "minted", "burnt", "holder_count", "transfer_count", "owner_count", "first_block"},
		load: loadTokensSQL,
		id:   addrID,
		scan: func(rows scanner) (common.Address, token, int64, error) {
			var addr, treasury []byte
			var t token
			var supply, minted, burnt pgtype.Numeric
			var from int64
			err := rows.Scan(&addr, &t.name, &t.symbol, &t.decimals, &treasury, &supply, &minted, &burnt,
				&t.holders, &t.transfers, &t.owners, &t.firstBlock, &from)
			if err == nil {
				t.treasury = bytesAddr(treasury)
				err = scanBigs([]pgtype.Numeric{supply, minted, burnt}, &t.supply, &t.minted, &t.burnt)
			}
			return common.BytesToAddress(addr), t, from, err
		},
		row: func(chain int64, k common.Address, rng pgtype.Range[pgtype.Int8], t token) []any {
			return []any{chain, k.Bytes(), rng, t.name, t.symbol, t.decimals, addrBytes(t.treasury),
				num(t.supply), num(t.minted), num(t.burnt), t.holders, t.transfers, t.owners, t.firstBlock}
		},
	}
}

// ---- projects ----

// project is a version of ent_projects.
type project struct {
	name                                                *string
	token, factory                                      *common.Address
	budget, budgetAdded, allocated, disbursed           *big.Int
	claimed, offlineClaimed, redeemed                   *big.Int
	beneficiaries, vendors, claims, walkIns, firstBlock int64
}

const selectProjects = `
SELECT p.address, p.name, p.token, p.factory, p.budget, p.budget_added, p.allocated, p.disbursed,
       p.claimed, p.offline_claimed, p.redeemed, p.beneficiary_count, p.vendor_count, p.claim_count,
       p.walk_in_count, p.first_block, lower(p.block_range)
FROM ent_projects p`

const loadProjectsSQL = selectProjects + `
WHERE p.id = ANY($1::uuid[]) AND upper_inf(p.block_range)`

func projectSpec() *spec[common.Address, project] {
	return &spec[common.Address, project]{
		table: "ent_projects",
		columns: []string{"chain_id", "address", "block_range", "name", "token", "factory", "budget", "budget_added",
			"allocated", "disbursed", "claimed", "offline_claimed", "redeemed", "beneficiary_count", "vendor_count",
			"claim_count", "walk_in_count", "first_block"},
		load: loadProjectsSQL,
		id:   addrID,
		scan: func(rows scanner) (common.Address, project, int64, error) {
			var addr, tok, factory []byte
			var p project
			n := make([]pgtype.Numeric, 7)
			var from int64
			err := rows.Scan(&addr, &p.name, &tok, &factory, &n[0], &n[1], &n[2], &n[3], &n[4], &n[5], &n[6],
				&p.beneficiaries, &p.vendors, &p.claims, &p.walkIns, &p.firstBlock, &from)
			if err == nil {
				p.token, p.factory = bytesAddr(tok), bytesAddr(factory)
				err = scanBigs(n, &p.budget, &p.budgetAdded, &p.allocated, &p.disbursed, &p.claimed, &p.offlineClaimed, &p.redeemed)
			}
			return common.BytesToAddress(addr), p, from, err
		},
		row: func(chain int64, k common.Address, rng pgtype.Range[pgtype.Int8], p project) []any {
			return []any{chain, k.Bytes(), rng, p.name, addrBytes(p.token), addrBytes(p.factory), num(p.budget),
				num(p.budgetAdded), num(p.allocated), num(p.disbursed), num(p.claimed), num(p.offlineClaimed),
				num(p.redeemed), p.beneficiaries, p.vendors, p.claims, p.walkIns, p.firstBlock}
		},
	}
}

// ---- balances ----

// balance is a version of ent_balances, keyed by (token, holder).
type balance struct {
	balance, received, sent *big.Int
}

const selectBalances = `
SELECT b.token, b.holder, b.balance, b.received, b.sent, lower(b.block_range)
FROM ent_balances b`

const loadBalancesSQL = selectBalances + `
WHERE b.id = ANY($1::uuid[]) AND upper_inf(b.block_range)`

func balanceSpec() *spec[pair, balance] {
	return &spec[pair, balance]{
		table:   "ent_balances",
		columns: []string{"chain_id", "token", "holder", "block_range", "balance", "received", "sent"},
		load:    loadBalancesSQL,
		id:      pairID,
		scan: func(rows scanner) (pair, balance, int64, error) {
			var tok, holder []byte
			var b balance
			n := make([]pgtype.Numeric, 3)
			var from int64
			err := rows.Scan(&tok, &holder, &n[0], &n[1], &n[2], &from)
			if err == nil {
				err = scanBigs(n, &b.balance, &b.received, &b.sent)
			}
			return pair{common.BytesToAddress(tok), common.BytesToAddress(holder)}, b, from, err
		},
		row: func(chain int64, k pair, rng pgtype.Range[pgtype.Int8], b balance) []any {
			return []any{chain, k.a.Bytes(), k.b.Bytes(), rng, num(b.balance), num(b.received), num(b.sent)}
		},
	}
}

// scanBigs converts scanned numerics into the *big.Int fields dst point at, in order.
func scanBigs(src []pgtype.Numeric, dst ...**big.Int) error {
	for i, n := range src {
		b, err := toBig(n)
		if err != nil {
			return err
		}
		if b == nil {
			b = new(big.Int)
		}
		*dst[i] = b
	}
	return nil
}
