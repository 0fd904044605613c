package entity_test

import (
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rahataid/rahat/indexer/entity"
	"github.com/rahataid/rahat/internal/pgtest"
)

// TestCheckerDetects corrupts one fact of a correct index at a time (inside a transaction that is
// rolled back) and expects the checker to name it.
func TestCheckerDetects(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 3*time.Minute)
	w := newWorld(t, 5)
	w.setup(ctx, 1, 2)
	for range 25 {
		w.step(ctx, 1+w.rng.IntN(6))
	}
	db := pgtest.New(t)
	index(t, ctx, db, newHandler(t, w), newDecoder(t), w, w.deployBlock, w.head(), 4)
	assertChecks(t, ctx, db, w, w.head())

	cases := []struct {
		name, sql, entity, field string
	}{
		{"balance", `UPDATE ent_balances SET balance = balance + 1 WHERE upper_inf(block_range) AND balance > 0 AND holder = (SELECT holder FROM ent_balances WHERE upper_inf(block_range) AND balance > 0 ORDER BY holder LIMIT 1)`, "ent_balances", "balanceOf"},
		{"supply", `UPDATE ent_tokens SET total_supply = total_supply - 1 WHERE upper_inf(block_range)`, "ent_tokens", "totalSupply"},
		{"holders", `UPDATE ent_tokens SET holder_count = holder_count + 1 WHERE upper_inf(block_range)`, "ent_tokens", "holder_count vs count(balance > 0)"},
		{"decimals", `UPDATE ent_tokens SET decimals = decimals + 1 WHERE upper_inf(block_range)`, "ent_tokens", "decimals"},
		{"owners", `UPDATE ent_tokens SET owner_count = owner_count + 1 WHERE upper_inf(block_range)`, "ent_tokens", "ownerCount"},
		{"allocation", `UPDATE ent_beneficiaries SET allocation = allocation + 1 WHERE upper_inf(block_range) AND address = (SELECT address FROM ent_beneficiaries ORDER BY address LIMIT 1)`, "ent_beneficiaries", "allocation"},
		{"active", `UPDATE ent_beneficiaries SET active = NOT active WHERE upper_inf(block_range) AND address = (SELECT address FROM ent_beneficiaries ORDER BY address LIMIT 1)`, "ent_beneficiaries", "isBeneficiary"},
		{"vendor", `UPDATE ent_vendors SET approved = NOT approved WHERE upper_inf(block_range)`, "ent_vendors", "isVendor"},
		{"ever approved", `UPDATE ent_vendors SET ever_approved = false WHERE upper_inf(block_range)`, "ent_vendors", "wasVendor"},
		{"claim state", `UPDATE ent_claims SET state = 'created' WHERE upper_inf(block_range) AND state = 'processed'`, "ent_claims", "claims"},
		{"claim expiry", `UPDATE ent_claims SET expires_at = expires_at + 1 WHERE upper_inf(block_range) AND expires_at IS NOT NULL`, "ent_claims", "claims"},
		{"budget", `UPDATE ent_projects SET budget = budget + 1 WHERE upper_inf(block_range)`, "ent_projects", "tokenBudget"},
		{"allocated", `UPDATE ent_projects SET allocated = allocated + 1 WHERE upper_inf(block_range)`, "ent_projects", "totalAllocated"},
		{"lost project", `DELETE FROM ent_projects WHERE address = (SELECT address FROM ent_projects ORDER BY address LIMIT 1)`, "ent_projects", "projectCount"},
		{"lost claim", `DELETE FROM ent_claims WHERE claim_id = 1`, "ent_projects", "claim_count vs count(ent_claims)"},
		{"lost token", `DELETE FROM ent_tokens`, "ent_balances", "token entity"},
		{"lost beneficiary's project", `DELETE FROM ent_projects`, "ent_beneficiaries", "project entity"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []entity.Mismatch
			errDone := errors.New("done")
			err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
				tag, err := tx.Exec(ctx, c.sql)
				if err != nil {
					return err
				}
				if tag.RowsAffected() == 0 {
					t.Fatalf("the corruption changed nothing")
				}
				if got, err = entity.Check(ctx, tx, w.client, 1337, w.head()); err != nil {
					return err
				}
				return errDone // roll the corruption back
			})
			if !errors.Is(err, errDone) {
				t.Fatal(err)
			}
			if !found(got, c.entity, c.field) {
				t.Fatalf("no mismatch of %s %s among %d: %v", c.entity, c.field, len(got), got)
			}
		})
	}
	assertChecks(t, ctx, db, w, w.head())
}

// found reports whether ms has a mismatch of entity and field.
func found(ms []entity.Mismatch, entityName, field string) bool {
	for _, m := range ms {
		if m.Entity == entityName && m.Field == field {
			return true
		}
	}
	return false
}
