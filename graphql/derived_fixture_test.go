package graphql_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/graphql/internal/fixture"
	"github.com/rahataid/rahat/internal/pgtest"
)

// Addresses of the derived-entity fixture.
var (
	tok1 = fixture.Addr(0xe1)
	prj1 = fixture.Addr(0x51)
	prj2 = fixture.Addr(0x52)
	ben1 = fixture.Addr(0xb1)
	ben2 = fixture.Addr(0xb2)
	ben3 = fixture.Addr(0xb3)
	ven1 = fixture.Addr(0xf1)
)

// counter counts the statements a pool runs (to prove relations are batched).
type counter struct{ n atomic.Int64 }

func (c *counter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *counter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// tracedDB returns a pool on a fresh database that counts its statements.
func tracedDB(t *testing.T) (*pgxpool.Pool, *counter) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	cnt := &counter{}
	cfg.ConnConfig.Tracer = cnt
	db, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db, cnt
}

// derivedFixture writes block-range versions by hand. Blocks 10..40 are indexed; block b's
// time is ts(b). The story:
//
//	block 10  token tok1 created
//	block 20  project prj1 "Old name"; renamed "Siraha" at 30
//	block 21  ben1 joins prj1 (allocation 100); removed at 35 (allocation 0, inactive)
//	block 22  ben2 joins prj1 (allocation 50)
//	block 23  vendor ven1 approved in prj1
//	block 24  claim 1 (prj1, ven1 claims 10 of ben1) created; processed at 28
//	block 25  project prj2 "Saptari"
//	block 26  ben3 joins prj2 (allocation 70)
//	block 27  ben1 joins prj2 (allocation 30)
//	block 28  balance of ben1 in tok1: 10 (from the claim... for the story's sake)
//	block 29  claim 2 (prj1, ven1 claims 5 of ben2), code added, expires at ts(31)
func derivedFixture(t *testing.T, db *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	stmts := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO ent_tokens (id, chain_id, address, block_range, name, symbol, decimals, treasury, total_supply, minted, burnt, holder_count, transfer_count, owner_count, first_block)
		  VALUES (ent_id($1, $2), $1, $2, '[10,)', 'Aid One', 'AID1', 18, $3, 1000, 1000, 0, 2, 3, 1, 10)`, []any{tok1, fixture.Addr(0x77)}},
		{`INSERT INTO ent_projects (id, chain_id, address, block_range, name, token, budget, budget_added, allocated, disbursed, claimed, offline_claimed, redeemed,
		    beneficiary_count, vendor_count, claim_count, walk_in_count, first_block)
		  VALUES (ent_id($1, $2), $1, $2, '[20,30)', 'Old name', $3, 500, 500, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20),
		         (ent_id($1, $2), $1, $2, '[30,)', 'Siraha', $3, 500, 500, 150, 0, 10, 0, 0, 2, 1, 2, 0, 20),
		         (ent_id($1, $4), $1, $4, '[25,)', 'Saptari', $3, 300, 300, 100, 0, 0, 0, 0, 2, 0, 0, 0, 25)`, []any{prj1, tok1, prj2}},
		{`INSERT INTO ent_beneficiaries (id, chain_id, project, address, block_range, token, active, walk_in, allocation, claimed, offline_claimed, disbursed, claim_count, first_block)
		  VALUES (ent_id($1, $2, $3), $1, $2, $3, '[21,35)', $6, true, false, 100, 10, 0, 0, 1, 21),
		         (ent_id($1, $2, $3), $1, $2, $3, '[35,)', $6, false, false, 0, 10, 0, 0, 1, 21),
		         (ent_id($1, $2, $4), $1, $2, $4, '[22,)', $6, true, false, 50, 0, 0, 0, 1, 22),
		         (ent_id($1, $5, $7), $1, $5, $7, '[26,)', $6, true, false, 70, 0, 0, 0, 0, 26),
		         (ent_id($1, $5, $3), $1, $5, $3, '[27,)', $6, true, true, 30, 0, 0, 0, 0, 27)`, []any{prj1, ben1, ben2, prj2, tok1, ben3}},
		{`INSERT INTO ent_vendors (id, chain_id, project, address, block_range, token, approved, ever_approved, claim_count, processed_count, claimed,
		    offline_count, offline_claimed, redeem_count, redeemed, walk_in_count, first_block)
		  VALUES (ent_id($1, $2, $3), $1, $2, $3, '[23,)', $4, true, true, 2, 1, 10, 0, 0, 0, 0, 1, 23)`, []any{prj1, ven1, tok1}},
		{`INSERT INTO ent_claims (id, chain_id, project, claim_id, block_range, claimer, claimee, token, otp_server, amount, state, otp_hash, expires_at,
		    code_count, created_block, created_at, created_tx, code_added_at, processed_block, processed_at, processed_tx)
		  VALUES (ent_id($1, $2, convert_to('1', 'UTF8')), $1, $2, 1, '[24,28)', $3, $4, $5, $6, 10, 'created', NULL, NULL, 0, 24, 1288, $7, NULL, NULL, NULL, NULL),
		         (ent_id($1, $2, convert_to('1', 'UTF8')), $1, $2, 1, '[28,)', $3, $4, $5, $6, 10, 'processed', $8, 1400, 1, 24, 1288, $7, 1300, 28, 1336, $8),
		         (ent_id($1, $2, convert_to('2', 'UTF8')), $1, $2, 2, '[29,)', $3, $9, $5, $6, 5, 'code_added', $8, 1372, 1, 29, 1348, $8, 1348, NULL, NULL, NULL)`,
			[]any{prj1, ven1, ben1, tok1, fixture.Addr(0x0f), fixture.Hash(1), fixture.Hash(2), ben2}},
		{`INSERT INTO ent_balances (id, chain_id, token, holder, block_range, balance, received, sent)
		  VALUES (ent_id($1, $2, $3), $1, $2, $3, '[24,28)', 0, 0, 0), (ent_id($1, $2, $3), $1, $2, $3, '[28,)', 10, 10, 0), (ent_id($1, $2, $4), $1, $2, $4, '[28,)', 990, 1000, 10)`, []any{tok1, ben1, ven1}},
		{`INSERT INTO ent_offline_claims (chain_id, project, beneficiary, vendor, token, amount, block_number, block_time, tx_hash, log_index)
		  VALUES ($1, $2, $3, $4, $5, 3, 33, 1396, $6, 2)`, []any{prj1, ben2, ven1, tok1, fixture.Hash(3)}},
		{`INSERT INTO ent_redemptions (chain_id, project, vendor, token, amount, block_number, block_time, tx_hash, log_index)
		  VALUES ($1, $2, $3, $4, 4, 34, 1408, $5, 0)`, []any{prj1, ven1, tok1, fixture.Hash(4)}},
	}
	for _, s := range stmts {
		if _, err := db.Exec(ctx, s.sql, append([]any{int64(fixture.ChainID)}, s.args...)...); err != nil {
			t.Fatalf("%v\n%s", err, s.sql)
		}
	}
	for b := int64(10); b <= 40; b++ {
		must(t, fixture.Block(ctx, db, b, ts(b)))
	}
	must(t, fixture.Checkpoint(ctx, db, 40, ts(40)))
}
