package graphql

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/exec"
	"github.com/rahataid/rahat/graphql/internal/fixture"
	"github.com/rahataid/rahat/graphql/model"
	"github.com/rahataid/rahat/internal/pgtest"
)

// The values the fixture's Transfers are made of, which random filters draw from (with a few
// that no row holds).
var (
	filterAddrs  = [][]byte{fixture.Addr(1), fixture.Addr(2), fixture.Addr(3), fixture.Addr(4)}
	filterValues = []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(10), big.NewInt(25),
		new(big.Int).Lsh(big.NewInt(1), 70), new(big.Int).Lsh(big.NewInt(1), 200)}
)

// filterWorld is a database of event rows (ties, numbers beyond int64, strings, booleans), a
// server that answers with the SQL of graphql/query, and an executor that plans subscriptions as
// the live transports do.
type filterWorld struct {
	srv     *Server
	ex      *executor.Executor
	byField map[string]*catalog.Entity
	rows    map[string]*tableRows // by plural: every row, every column a filter may read
	db      *pgxpool.Pool
}

func newFilterWorld(t *testing.T) *filterWorld {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	tables, err := fixture.Tables(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var evs []fixture.Event
	for i := range 24 {
		block := int64(100 + i/4)
		evs = append(evs, fixture.Event{Block: block, Timestamp: 1000 + 12*block, TxHash: fixture.Hash(byte(i)), LogIndex: int32(i % 5),
			Contract: fixture.Addr(byte(8 + i%2)), Params: map[string]any{"from": filterAddrs[i%3], "to": filterAddrs[(i/3)%4],
				"value": pgtype.Numeric{Int: filterValues[i%len(filterValues)], Valid: true}}})
	}
	mustDo(t, fixture.Insert(ctx, db, tables["Transfer"], evs...))
	evs = nil
	for i, name := range []string{"Siraha Cash", "siraha cash", "Bardiya", "Ünïcode", ""} {
		evs = append(evs, fixture.Event{Block: 100 + int64(i), Timestamp: 1000, TxHash: fixture.Hash(byte(100 + i)), LogIndex: 1,
			Contract: fixture.Addr(7), Params: map[string]any{"project_address": fixture.Addr(byte(50 + i)), "token_address": fixture.Addr(byte(60 + i%2)), "name": name}})
	}
	mustDo(t, fixture.Insert(ctx, db, tables["ProjectCreated"], evs...))
	evs = nil
	for i := range 5 {
		evs = append(evs, fixture.Event{Block: 101, Timestamp: 1000, TxHash: fixture.Hash(byte(150 + i)), LogIndex: int32(i),
			Contract: fixture.Addr(7), Params: map[string]any{"claimer": fixture.Addr(byte(30 + i)), "approved": i%2 == 0}})
	}
	mustDo(t, fixture.Insert(ctx, db, tables["ClaimerUpdated"], evs...))
	for b := int64(100); b <= 106; b++ {
		mustDo(t, fixture.Block(ctx, db, b, 1000+12*b))
	}
	mustDo(t, fixture.Checkpoint(ctx, db, 106, 1000+12*106))

	srv, err := NewServer(Config{DB: db, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	w := &filterWorld{srv: srv, ex: executor.New(exec.NewExecutableSchema(exec.Config{Resolvers: srv.Resolver})),
		byField: map[string]*catalog.Entity{}, rows: map[string]*tableRows{}, db: db}
	for _, e := range srv.Resolver.cat.Entities {
		w.byField[e.Plural] = e
	}
	for _, plural := range []string{"transfers", "projectCreateds", "claimerUpdateds"} {
		e := w.byField[plural]
		var cols []*catalog.Column
		for _, c := range e.Columns {
			if c.SQL == "" && columnKind(c.SQLType) != cellUnknown {
				cols = append(cols, c)
			}
		}
		// The scan of production, over every block, and without the limit.
		tr, err := scanTable(ctx, db, e.Table, cols, fixture.ChainID, 0, 1_000_000, 1000)
		if err != nil || tr == nil {
			t.Fatalf("scanning %s: %v", e.Table, err)
		}
		w.rows[plural] = tr
	}
	return w
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// filterCase is a filter of a list field; exact says the evaluator must decide every row as the
// SQL does (the filter is within what it supports), not only never say no to a selected row.
type filterCase struct {
	plural string
	where  map[string]any
	exact  bool
}

// TestSubscribeFilterMatchesSQL checks the Go evaluator of live filters against the SQL the
// query engine runs, on the same rows: it must never say "does not match" of a row the SQL
// selects, and for the supported operators it must agree exactly. Each filter is tried as a
// literal and as a variable (decoded as the transports decode it).
func TestSubscribeFilterMatchesSQL(t *testing.T) {
	t.Parallel()
	w := newFilterWorld(t)
	a1, a2, a4 := hx(filterAddrs[0]), hx(filterAddrs[1]), hx(filterAddrs[3])
	big70 := filterValues[4].String()
	cases := []filterCase{
		{"transfers", map[string]any{"to": a1}, true},
		{"transfers", map[string]any{"to_not": a1}, true},
		{"transfers", map[string]any{"to_in": []any{a1, a4}}, true},
		{"transfers", map[string]any{"to_not_in": []any{a1, a4}}, true},
		{"transfers", map[string]any{"to_in": []any{}}, true},
		{"transfers", map[string]any{"to_not_in": []any{}}, true},
		{"transfers", map[string]any{"to_gt": a2}, true},
		{"transfers", map[string]any{"to_lte": a2, "from_gte": a2}, true},
		{"transfers", map[string]any{"to_gt": "0xaa"}, true}, // a prefix orders before the longer value
		{"transfers", map[string]any{"value": big70}, true},
		{"transfers", map[string]any{"value_gt": "25"}, true},
		{"transfers", map[string]any{"value_gte": json.Number("25")}, true},
		{"transfers", map[string]any{"value_lt": big70, "value_not": "0"}, true},
		{"transfers", map[string]any{"value_in": []any{"1", big70, "99999999999999999999999999999999999999"}}, true},
		{"transfers", map[string]any{"value_not_in": []any{"0", "10"}}, true},
		{"transfers", map[string]any{"blockNumber_gt": "102"}, true},
		{"transfers", map[string]any{"blockNumber_lte": "99999999999999999999999"}, true}, // beyond int8: compared as numeric
		{"transfers", map[string]any{"blockNumber_in": []any{"101", "99999999999999999999999"}}, true},
		{"transfers", map[string]any{"blockTimestamp_gte": json.Number("2236")}, true},
		{"transfers", map[string]any{"transactionHash": hx(fixture.Hash(3))}, true},
		{"transfers", map[string]any{"contractAddress_not": hx(fixture.Addr(8))}, true},
		{"transfers", map[string]any{"eventType": "Transfer"}, true},
		{"transfers", map[string]any{"eventType": "Approval", "to": a1}, true},
		{"transfers", map[string]any{"eventType_not_in": []any{"Transfer"}}, true},
		{"transfers", map[string]any{"or": []any{map[string]any{"to": a1}, map[string]any{"value_gt": "10"}}}, true},
		{"transfers", map[string]any{"and": []any{map[string]any{"to": a1}, map[string]any{"or": []any{map[string]any{"from": a2}, map[string]any{"value": "0"}}}}}, true},
		{"transfers", map[string]any{"or": []any{}}, true},
		{"transfers", map[string]any{"and": []any{}}, true},
		{"transfers", map[string]any{}, true},
		{"projectCreateds", map[string]any{"name": "Siraha Cash"}, true},
		{"projectCreateds", map[string]any{"name_in": []any{"Bardiya", "Ünïcode", ""}}, true},
		{"projectCreateds", map[string]any{"name_not": ""}, true},
		{"claimerUpdateds", map[string]any{"approved": true}, true},
		{"claimerUpdateds", map[string]any{"approved_not": true}, true},
		{"claimerUpdateds", map[string]any{"approved_in": []any{false}}, true},
		// Beyond the evaluator: only never a false no.
		{"transfers", map[string]any{"id": hx(append(fixture.Hash(3), model.LE32(3)...))}, false},
		{"transfers", map[string]any{"id_gt": hx(append(fixture.Hash(3), model.LE32(3)...))}, false},
		{"transfers", map[string]any{"to_contains": "0x03"}, false},
		{"transfers", map[string]any{"_change_block": map[string]any{"number_gte": json.Number("103")}}, false},
		{"transfers", map[string]any{"or": []any{map[string]any{"to": a1}, map[string]any{"to_contains": "aa"}}}, false},
		{"projectCreateds", map[string]any{"name_contains_nocase": "siraha"}, false},
		{"projectCreateds", map[string]any{"name_gt": "S"}, false},
		{"projectCreateds", map[string]any{"name_starts_with": "Sir"}, false},
	}
	rng := rand.New(rand.NewPCG(6, 2026))
	for range 150 {
		// Without _contains, a random filter is within what the evaluator supports.
		fuzzy := false
		cases = append(cases, filterCase{plural: "transfers", where: randomWhere(rng, 0, &fuzzy)})
		cases[len(cases)-1].exact = !fuzzy
	}
	for i, c := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) { w.check(t, c) })
	}

	// A range of more rows than the limit is not read: every group on the table re-reads.
	e := w.byField["transfers"]
	cols := []*catalog.Column{e.Column("to")}
	for _, tc := range []struct {
		limit int
		rows  int // -1: not read
	}{{23, -1}, {24, 24}, {1000, 24}} {
		tr, err := scanTable(context.Background(), w.db, e.Table, cols, fixture.ChainID, 100, 105, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		got := -1
		if tr != nil {
			got = len(tr.rows)
		}
		if got != tc.rows {
			t.Errorf("limit %d: %d rows, want %d", tc.limit, got, tc.rows)
		}
	}
}

// check compares the evaluator with the SQL for one filter, as a literal and as a variable.
func (w *filterWorld) check(t *testing.T, c filterCase) {
	t.Helper()
	e := w.byField[c.plural]
	selected := w.sqlIDs(t, c)
	for _, asVar := range []bool{false, true} {
		doc, vars := filterDoc("subscription", e, c, asVar)
		oc, errs := w.ex.CreateOperationContext(gql.StartOperationTrace(context.Background()), &gql.RawParams{Query: doc, Variables: vars})
		if errs != nil {
			t.Fatalf("%s: %v", doc, errs)
		}
		p, err := newLivePlan(oc, w.srv.Resolver.cat, w.byField, vars, 100)
		if err != nil {
			t.Fatal(err)
		}
		if !p.narrow {
			t.Fatalf("%s is not narrow", doc)
		}
		tr := w.rows[c.plural]
		if c.exact && p.filter == nil && len(selected) < len(tr.rows) {
			t.Fatalf("%s (variable %v): not compiled, yet the SQL selects %d of %d rows", doc, asVar, len(selected), len(tr.rows))
		}
		for _, row := range tr.rows {
			id := rowID(row, tr.idx)
			may := p.filter == nil || p.filter.mayMatch(row, tr.idx)
			if selected[id] && !may {
				t.Errorf("%s (variable %v): the SQL selects %s, the evaluator says it does not match", doc, asVar, id)
			}
			if c.exact && may != selected[id] {
				t.Errorf("%s (variable %v): row %s: evaluator %v, SQL %v", doc, asVar, id, may, selected[id])
			}
		}
	}
}

// sqlIDs runs the filter as a query over HTTP and returns the ids it selects.
func (w *filterWorld) sqlIDs(t *testing.T, c filterCase) map[string]bool {
	t.Helper()
	doc, vars := filterDoc("query", w.byField[c.plural], c, true)
	body, _ := json.Marshal(map[string]any{"query": doc, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	w.srv.ServeHTTP(rec, req)
	var out struct {
		Data   map[string][]struct{ ID string }
		Errors []json.RawMessage
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Errors) > 0 {
		t.Fatalf("%s %s: %v %s", doc, body, err, rec.Body.Bytes())
	}
	ids := map[string]bool{}
	for _, r := range out.Data["r"] {
		ids[r.ID] = true
	}
	return ids
}

// filterDoc is the list field with the filter (inline or as $w, whose value is then decoded
// from JSON with numbers as json.Number, as the transports do).
func filterDoc(op string, e *catalog.Entity, c filterCase, asVar bool) (string, map[string]any) {
	if !asVar {
		return fmt.Sprintf("%s { r: %s(where: %s, first: 1000) { id } }", op, c.plural, gqlLiteral(c.where)), nil
	}
	b, _ := json.Marshal(c.where)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		panic(err)
	}
	return fmt.Sprintf("%s S($w: %s_filter) { r: %s(where: $w, first: 1000) { id } }", op, e.Name, c.plural), map[string]any{"w": v}
}

// gqlLiteral writes a Go value as a GraphQL input literal (json.Number as a bare number).
func gqlLiteral(v any) string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + gqlLiteral(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, it := range x {
			parts[i] = gqlLiteral(it)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case json.Number:
		return x.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// rowID is the id of a scanned event row: its transaction hash and log index (TheGraph's).
func rowID(row []cell, idx map[string]int) string {
	return hx(append(bytes.Clone(row[idx["tx_hash"]].b), model.LE32(int(row[idx["log_index"]].n))...))
}

func hx(b []byte) string { return "0x" + hex.EncodeToString(b) }

// randomWhere draws a Transfer filter of up to three conditions, nested in and/or, on values
// the rows hold and their neighbours; fuzzy is set when it uses an operator the evaluator leaves
// to the SQL.
func randomWhere(rng *rand.Rand, depth int, fuzzy *bool) map[string]any {
	w := map[string]any{}
	for range 1 + rng.IntN(3) {
		if depth < 2 && rng.IntN(5) == 0 {
			op := []string{"and", "or"}[rng.IntN(2)]
			items := make([]any, rng.IntN(3))
			for i := range items {
				items[i] = randomWhere(rng, depth+1, fuzzy)
			}
			w[op] = items
			continue
		}
		field := []string{"from", "to", "contractAddress", "transactionHash", "value", "blockNumber", "blockTimestamp", "eventType"}[rng.IntN(8)]
		var ops []string
		var val func() any
		switch field {
		case "from", "to", "contractAddress", "transactionHash":
			ops = []string{"", "_not", "_gt", "_lt", "_gte", "_lte", "_in", "_not_in", "_contains", "_not_contains"}
			val = func() any {
				switch field {
				case "contractAddress":
					return hx(fixture.Addr(byte(7 + rng.IntN(4))))
				case "transactionHash":
					return hx(fixture.Hash(byte(rng.IntN(26))))
				}
				return hx(filterAddrs[rng.IntN(len(filterAddrs))])
			}
		case "eventType":
			ops = []string{"", "_not", "_in", "_not_in"}
			val = func() any { return []string{"Transfer", "Approval"}[rng.IntN(2)] }
		default:
			ops = []string{"", "_not", "_gt", "_lt", "_gte", "_lte", "_in", "_not_in"}
			val = func() any {
				var n *big.Int
				switch field {
				case "value":
					n = new(big.Int).Set(filterValues[rng.IntN(len(filterValues))])
				case "blockNumber":
					n = big.NewInt(int64(100 + rng.IntN(7)))
				default:
					n = big.NewInt(int64(1000 + 12*(100+rng.IntN(7))))
				}
				n.Add(n, big.NewInt(int64(rng.IntN(3)-1)))
				if n.IsInt64() && rng.IntN(2) == 0 {
					return json.Number(n.String())
				}
				return n.String()
			}
		}
		op := ops[rng.IntN(len(ops))]
		*fuzzy = *fuzzy || strings.HasSuffix(op, "contains")
		if op == "_in" || op == "_not_in" {
			items := make([]any, rng.IntN(4))
			for i := range items {
				items[i] = val()
			}
			w[field+op] = items
			continue
		}
		w[field+op] = val()
	}
	return w
}
