package graphql_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/graphql"
	"github.com/rahataid/rahat/graphql/catalog"
)

// fastAndSlow serves the same database with the fast path and without it; fast counts the
// requests its direct path answers.
type fastAndSlow struct {
	fast, slow *client
	reg        *prometheus.Registry
}

func newFastAndSlow(t *testing.T, mod func(*graphql.Config)) *fastAndSlow {
	t.Helper()
	f := newEventFixture(t)
	derivedFixture(t, f.db)
	fs := &fastAndSlow{reg: prometheus.NewRegistry()}
	fs.fast = serve(t, f.db, func(c *graphql.Config) {
		c.Registry = fs.reg
		if mod != nil {
			mod(c)
		}
	})
	fs.slow = serve(t, f.db, func(c *graphql.Config) {
		c.NoFastPath = true
		if mod != nil {
			mod(c)
		}
	})
	return fs
}

// direct is the number of requests the fast server's direct path has answered.
func (fs *fastAndSlow) direct(t *testing.T) float64 {
	t.Helper()
	return fs.counter(t, "rahat_graphql_fast_path_requests_total")
}

// counter reads a counter of the fast server's registry (0 when it has not been touched).
func (fs *fastAndSlow) counter(t *testing.T, name string) float64 {
	t.Helper()
	mfs, err := fs.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	return 0
}

// answer is what a client sees of a response.
type answer struct {
	status         int
	header, length string // the headers but Date
	body           []byte
}

func do(t *testing.T, url string, body []byte, header map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	h := resp.Header.Clone()
	h.Del("Date")
	return answer{resp.StatusCode, fmt.Sprint(h), resp.Header.Get("Content-Length"), out}
}

// same sends body to both servers, requires identical answers and reports whether the direct path
// answered.
func (fs *fastAndSlow) same(t *testing.T, body []byte, header map[string]string) bool {
	t.Helper()
	before := fs.direct(t)
	a, b := do(t, fs.fast.url, body, header), do(t, fs.slow.url, body, header)
	if a.status != b.status || a.header != b.header || a.length != b.length || !bytes.Equal(a.body, b.body) {
		t.Errorf("answers differ for %s:\n fast %d %s %s %s\n slow %d %s %s %s", body, a.status, a.header, a.length, a.body, b.status, b.header, b.length, b.body)
	}
	return fs.direct(t) > before
}

func gqlBody(query string, vars map[string]any, extra ...string) []byte {
	m := map[string]any{"query": query}
	if vars != nil {
		m["variables"] = vars
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	b, _ := json.Marshal(m)
	return b
}

// TestFastPathEveryEntity reads every entity through the direct path (a list, a connection and
// each row by id, selecting every field that is not a relation) and requires gqlgen's bytes.
func TestFastPathEveryEntity(t *testing.T) {
	t.Parallel()
	fs := newFastAndSlow(t, nil)
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range cat.Entities {
		var fields []string
		lists := false
		for _, f := range e.Fields {
			if f.Rel == nil {
				fields = append(fields, f.Name)
				lists = lists || f.List
			}
		}
		sel := strings.Join(fields, " ") + " __typename"
		docs := []string{
			fmt.Sprintf(`{ %s(first: 20) { %s } }`, e.Plural, sel),
			fmt.Sprintf(`{ %sConnection(first: 3) { edges { cursor node { %s } } pageInfo { hasNextPage endCursor } } }`, e.Plural, sel),
			fmt.Sprintf(`{ %s(first: 5, block: {number: 30}) { %s } }`, e.Plural, sel),
		}
		var ids struct {
			Data map[string][]struct{ ID string }
		}
		if err := json.Unmarshal(do(t, fs.slow.url, gqlBody(fmt.Sprintf(`{ %s(first: 20) { id } }`, e.Plural), nil), nil).body, &ids); err != nil {
			t.Fatal(err)
		}
		for _, row := range ids.Data[e.Plural] {
			docs = append(docs, fmt.Sprintf(`query($id: ID!) { %s(id: $id) { %s } }`, e.Single, sel))
			if !fs.same(t, gqlBody(docs[len(docs)-1], map[string]any{"id": row.ID}), nil) && !lists {
				t.Errorf("%s by id %s: not answered by the direct path", e.Name, row.ID)
			}
		}
		for _, d := range docs[:3] {
			// Connections read models (not raw rows), which serve list columns as well.
			if !fs.same(t, gqlBody(d, nil), nil) && (!lists || strings.Contains(d, "Connection")) {
				t.Errorf("not answered by the direct path: %s", d)
			}
		}
	}
}

// TestFastPathRequests covers what the direct path does with whole requests: several root
// fields, operations, fragments, variables, headers, and everything it leaves to gqlgen (whose
// answers, errors included, must not change).
func TestFastPathRequests(t *testing.T) {
	t.Parallel()
	fs := newFastAndSlow(t, func(c *graphql.Config) { c.MaxComplexity = 20_000; c.MaxBodyBytes = 4096 })
	var list struct {
		Data struct{ Transfers []struct{ ID string } }
	}
	if err := json.Unmarshal(do(t, fs.slow.url, gqlBody(`{ transfers { id } }`, nil), nil).body, &list); err != nil {
		t.Fatal(err)
	}
	id := list.Data.Transfers[2].ID
	twoOps := `query A { transfers(first: 1) { id } } query B { b: transfers(first: 2, orderDirection: desc) { value } }`
	cases := []struct {
		name   string
		body   []byte
		header map[string]string
		direct bool
	}{
		{"roots", gqlBody(fmt.Sprintf(`{ __typename a: transfers(first: 2) { id } b: transfer(id: "%s") { id value } c: transfersConnection(first: 1) { nodes { id } } d: transfer(id: "0x00") { id } }`, id), nil), nil, true},
		{"operation by name", gqlBody(twoOps, nil, "operationName", "B"), nil, true},
		{"operation not named", gqlBody(twoOps, nil), nil, false},
		{"operation unknown", gqlBody(twoOps, nil, "operationName", "C"), nil, false},
		{"fragments", gqlBody(`query { transfers(first: 2) { ...F ... on Transfer { to } } } fragment F on Transfer { id from }`, nil), nil, true},
		{"escapes", gqlBody("query {\n\ttransfers(first: 1) {\n\t\tid # a \"comment\"\n\t}\n}", nil), nil, true},
		{"int variable", gqlBody(`query($n: Int, $s: Int = 1) { transfers(first: $n, skip: $s) { id } }`, map[string]any{"n": 3}), nil, true},
		{"where variable", gqlBody(`query($w: Transfer_filter) { transfers(where: $w) { id } }`, map[string]any{"w": map[string]any{"value_gte": "20", "blockNumber_lt": 105}}), nil, true},
		{"block variable", gqlBody(`query($b: Block_height) { transfers(block: $b) { id } }`, map[string]any{"b": map[string]any{"number": 30}}), nil, true},
		{"graphql-response+json", gqlBody(`{ transfers(first: 1) { id } }`, nil), map[string]string{"Accept": "application/graphql-response+json"}, true},
		{"charset", gqlBody(`{ transfers(first: 1) { id } }`, nil), map[string]string{"Content-Type": "application/json; charset=utf-8"}, true},
		{"empty extensions", []byte(`{"query":"{ transfers(first: 1) { id } }","extensions":{}}`), nil, true},
		{"persisted query", []byte(`{"query":"{ transfers(first: 1) { id } }","extensions":{"persistedQuery":{"version":1,"sha256Hash":"00"}}}`), nil, false},
		{"directive", gqlBody(`query($b: Boolean!) { transfers(first: 2) { id value @include(if: $b) } }`, map[string]any{"b": false}), nil, false},
		{"relation", gqlBody(`{ claims { claimId beneficiary { address } } }`, nil), nil, false},
		{"meta", gqlBody(`{ _meta { block { number } } transfers(first: 1) { id } }`, nil), nil, false},
		{"bad variable", gqlBody(`query($n: Int) { transfers(first: $n) { id } }`, map[string]any{"n": "x"}), nil, false},
		{"missing variable", gqlBody(`query($id: ID!) { transfer(id: $id) { id } }`, nil), nil, false},
		{"first too large", gqlBody(`{ transfers(first: 5000) { id } }`, nil), nil, false},
		{"too complex", gqlBody(`query($n: Int) { transfers(first: $n) { id from to value blockNumber } }`, map[string]any{"n": 4000}), nil, false},
		{"bad scalar", gqlBody(`{ transfers(where: {value: "1.5"}) { id } }`, nil), nil, false},
		{"bad id", gqlBody(`{ transfer(id: "xyz") { id } }`, nil), nil, false},
		{"bad cursor", gqlBody(`{ transfersConnection(after: "bad") { nodes { id } } }`, nil), nil, false},
		{"unknown field", gqlBody(`{ transfers { nope } }`, nil), nil, false},
		{"syntax", gqlBody(`{ transfers { id }`, nil), nil, false},
		{"not json", []byte(`{"query": `), nil, false},
		{"too large", gqlBody(`{ transfers { id } }`+strings.Repeat(" ", 5000), nil), nil, false},
		{"introspection", gqlBody(`{ __schema { queryType { name } } }`, nil), nil, false},
	}
	for _, c := range cases {
		if got := fs.same(t, c.body, c.header); got != c.direct {
			t.Errorf("%s: answered by the direct path %v, want %v", c.name, got, c.direct)
		}
	}
}
