package query

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/model"
)

func testCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestValuesAreParameters: client values never reach the SQL text, and one filter shape always
// gives the same SQL (so that it reuses one prepared statement).
func TestValuesAreParameters(t *testing.T) {
	t.Parallel()
	e := testCatalog(t).Entity("ProjectCreated")
	evil := `x'); DROP TABLE indexer_chains; --`
	where := map[string]any{
		"name_contains": evil, "name_in": []string{evil}, "name_starts_with_nocase": evil,
		"or": []any{map[string]any{"name": evil}, map[string]any{"blockNumber_gt": model.BigInt("5")}},
	}
	first, err := listStmt(1, model.LatestBlock, e, where, "name", true, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(first.SQL, "DROP") || strings.Contains(first.SQL, evil) {
		t.Fatalf("a value reached the SQL: %s", first.SQL)
	}
	found := false
	for _, a := range first.Args {
		if a == evil {
			found = true
		}
	}
	if !found {
		t.Errorf("the value is not a parameter: %v", first.Args)
	}
	for range 20 {
		again, err := listStmt(1, model.LatestBlock, e, where, "name", true, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if again.SQL != first.SQL {
			t.Fatalf("SQL differs between runs:\n%s\n%s", first.SQL, again.SQL)
		}
	}
}

// TestStatements pins the shape of the main statements.
func TestStatements(t *testing.T) {
	t.Parallel()
	cat := testCatalog(t)
	tr := cat.Entity("Transfer")
	st, err := listStmt(1, model.At{Number: 7}, tr, map[string]any{"from": model.Bytes{1, 2}}, "blockTimestamp", true, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := `SELECT t0."from", t0."to", t0."value"::text, t0."block_number", t0."block_timestamp", t0."tx_hash", t0."contract", t0."log_index" ` +
		`FROM "evt_rahat_token_transfer" AS t0 WHERE t0."chain_id" = $1::int8 AND t0."block_number" <= $3::int8 AND (t0."from" = $2::bytea) ` +
		`ORDER BY t0."block_number" DESC, t0."log_index" DESC LIMIT 100`
	if st.SQL != want {
		t.Errorf("list:\n got  %s\n want %s", st.SQL, want)
	}
	ben := cat.Entity("Beneficiary")
	st, err = listStmt(1, model.LatestBlock, ben, map[string]any{"project_": map[string]any{"name": "x"}}, "", false, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{`upper_inf(t0."block_range")`, `EXISTS (SELECT 1 FROM "ent_projects" AS t1 WHERE t1."chain_id" = $1::int8 AND upper_inf(t1."block_range") AND t1."address" = t0."project"`} {
		if !strings.Contains(st.SQL, part) {
			t.Errorf("relation filter lacks %q:\n%s", part, st.SQL)
		}
	}
	pa, keys, err := pageStmt(1, model.LatestBlock, tr, PageArgs{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	c := encodeCursor(tr, "", []any{int64(5), int64(2)})
	pb, _, err := pageStmt(1, model.LatestBlock, tr, PageArgs{After: &c}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || !strings.Contains(pb.SQL, `(t0."block_number" >= $2::int8 AND (t0."block_number", t0."log_index") > ($2::int8, $3::int8))`) {
		t.Errorf("keyset:\n%s\n%s", pa.SQL, pb.SQL)
	}
}

// TestPastBlockThroughCurrentVersions: a read at a past block filtered by a key column finds the
// entities through their current versions (partial indexes) and their versions at the block
// through (id, block_range), not by scanning every version.
func TestPastBlockThroughCurrentVersions(t *testing.T) {
	t.Parallel()
	ben := testCatalog(t).Entity("Beneficiary")
	st, err := listStmt(1, model.At{Number: 9}, ben, map[string]any{"project": model.Bytes{1}, "active": true}, "", false, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := `t0."id" IN (SELECT t1."id" FROM "ent_beneficiaries" AS t1 WHERE t1."chain_id" = $1::int8 AND upper_inf(t1."block_range") AND t1."project" = `
	if !strings.Contains(st.SQL, want) || !strings.Contains(st.SQL, `t0."block_range" @> `) {
		t.Errorf("past-block read:\n%s", st.SQL)
	}
	now, _ := listStmt(1, model.LatestBlock, ben, map[string]any{"project": model.Bytes{1}}, "", false, 10, 0)
	if strings.Contains(now.SQL, "IN (SELECT") {
		t.Errorf("current read goes through current versions needlessly:\n%s", now.SQL)
	}
}

// TestGetStmtCache: the kept statement of a lookup by id is the one built for each id, with the
// same parameters, for every entity (and ids of a wrong length are built as usual).
func TestGetStmtCache(t *testing.T) {
	t.Parallel()
	cat := testCatalog(t)
	en := NewEngine(nil, cat, 7, Limits{})
	for _, e := range cat.Entities {
		for _, at := range []model.At{model.LatestBlock, {Number: 12}} {
			for _, id := range [][]byte{bytes.Repeat([]byte{1}, e.ID.Width()), bytes.Repeat([]byte{2}, e.ID.Width()), {3}} {
				for range 2 { // built, then kept
					got, want := en.getStmt(7, at, e, id), getStmt(7, at, e, id)
					if got.SQL != want.SQL || !reflect.DeepEqual(got.Args, want.Args) {
						t.Fatalf("%s at %+v id %x:\n got %s %v\nwant %s %v", e.Name, at, id, got.SQL, got.Args, want.SQL, want.Args)
					}
				}
			}
		}
	}
}
