package graphql_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/graphql"
)

// TestErrors checks the errors a client gets for what it got wrong, and that internal failures
// stay internal.
func TestErrors(t *testing.T) {
	t.Parallel()
	f := newEventFixture(t)
	deep := "id"
	for range 7 {
		deep = "token { projects { " + deep + " } }"
	}
	otherCursor := connection(t, f.c, "orderBy: value, first: 1").PageInfo.EndCursor
	var projects struct {
		C struct{ PageInfo struct{ EndCursor *string } }
	}
	cases := []struct {
		name, query, want, code string
	}{
		{"too deep", "{ projects { " + deep + " } }", "levels deep; the limit is 12", "QUERY_TOO_DEEP"},
		{"too complex", "{ projects(first: 1000) { beneficiaries(first: 1000) { id address claims(first: 10) { id } } } }", "estimated cost", "QUERY_TOO_COMPLEX"},
		{"too complex by fragments", "{ ...A } fragment A on Query { projects(first: 1000) { ...B } } fragment B on Project { beneficiaries(first: 1000) { id address claims { id } } }", "estimated cost", "QUERY_TOO_COMPLEX"},
		{"first over 1000", "{ transfers(first: 1001) { id } }", "The `first` argument must be between 0 and 1000, but is 1001", "BAD_USER_INPUT"},
		{"first negative", "{ transfers(first: -1) { id } }", "must be between 0 and 1000", "BAD_USER_INPUT"},
		{"skip over 5000", "{ transfers(skip: 5001) { id } }", "The `skip` argument must be between 0 and 5000", "BAD_USER_INPUT"},
		{"connection first over 1000", "{ transfersConnection(first: 5000) { nodes { id } } }", "between 0 and 1000", "BAD_USER_INPUT"},
		{"bad cursor", `{ transfersConnection(after: "nonsense") { nodes { id } } }`, "invalid cursor", "BAD_USER_INPUT"},
		{"cursor of another order", fmt.Sprintf(`{ transfersConnection(orderBy: blockNumber, after: %q) { nodes { id } } }`, *otherCursor), "invalid cursor", "BAD_USER_INPUT"},
		{"forged cursor", fmt.Sprintf(`{ transfersConnection(after: %q) { nodes { id } } }`, base64.RawURLEncoding.EncodeToString([]byte(`{"e":"Transfer","k":["x","y"]}`))), "invalid cursor", "BAD_USER_INPUT"},
		{"bad Bytes", `{ transfers(where: {from: "0xzz"}) { id } }`, `invalid Bytes "0xzz"`, ""},
		{"odd Bytes", `{ transfers(where: {from: "0x123"}) { id } }`, `invalid Bytes`, ""},
		{"bad BigInt", `{ transfers(where: {value: "12.5"}) { id } }`, `invalid BigInt "12.5"`, ""},
		{"BigInt as boolean", `{ transfers(where: {value: true}) { id } }`, `BigInt must be a string or a number`, ""},
		{"bad id", `{ transfer(id: "0xnothex") { id } }`, `invalid Bytes`, "BAD_USER_INPUT"},
		{"unknown field", `{ transfers { nope } }`, `Cannot query field "nope"`, "GRAPHQL_VALIDATION_FAILED"},
		{"unknown filter", `{ transfers(where: {nope_gt: 1}) { id } }`, `nope_gt`, "GRAPHQL_VALIDATION_FAILED"},
		{"bad enum", `{ transfers(orderBy: nope) { id } }`, `nope`, "GRAPHQL_VALIDATION_FAILED"},
		{"block not indexed", `{ transfers(block: {number: 107}) { id } }`, "has only indexed up to block number 106 and data for block number 107 is therefore not yet available", "BAD_USER_INPUT"},
		{"block number_gte not indexed", `{ transfers(block: {number_gte: 200}) { id } }`, "has only indexed up to block number 106", "BAD_USER_INPUT"},
		{"unknown block hash", `{ transfers(block: {hash: "0x1234"}) { id } }`, "is not known", "BAD_USER_INPUT"},
		{"two block selectors", `{ transfers(block: {number: 100, number_gte: 100}) { id } }`, "give one of number, hash or number_gte", "BAD_USER_INPUT"},
		{"bad interval", `{ transfersAggregate(interval: fortnight) { count } }`, "fortnight", "GRAPHQL_VALIDATION_FAILED"},
		{"parse error", `{ transfers { id `, "Expected Name", "GRAPHQL_PARSE_FAILED"},
	}
	_ = projects
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := f.c.fails(t, tc.query, nil, tc.want)
			if tc.code != "" && e.Extensions["code"] != tc.code {
				t.Errorf("code %v, want %s", e.Extensions["code"], tc.code)
			}
		})
	}
	t.Run("bad scalar in a variable", func(t *testing.T) {
		t.Parallel()
		f.c.fails(t, `query($v: BigInt) { transfers(where: {value_gt: $v}) { id } }`, map[string]any{"v": "1e5x"}, `invalid BigInt`)
	})
	t.Run("too complex by variables", func(t *testing.T) {
		t.Parallel()
		f.c.fails(t, `query($n: Int) { projects(first: $n) { beneficiaries(first: $n) { claims(first: $n) { id } } } }`, map[string]any{"n": 200}, "estimated cost")
	})
}

// TestInternalErrorsStayInternal breaks a table under the handler: the client sees "internal error"
// and nothing of the database's message.
func TestInternalErrorsStayInternal(t *testing.T) {
	t.Parallel()
	f := newEventFixture(t)
	if _, err := f.db.Exec(context.Background(), `ALTER TABLE evt_rahat_token_transfer RENAME COLUMN value TO secret_value`); err != nil {
		t.Fatal(err)
	}
	r := f.c.post(t, `{ transfers { id value } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].Message != "internal error" || r.Errors[0].Extensions["code"] != "INTERNAL_SERVER_ERROR" {
		t.Fatalf("errors %+v", r.Errors)
	}
	if strings.Contains(string(r.Data)+fmt.Sprint(r.Errors), "secret") {
		t.Errorf("database detail leaked: %s %+v", r.Data, r.Errors)
	}
}

// TestTimeout holds a lock on the table the query reads, so that the query waits in Postgres
// until the request's timeout cancels it.
func TestTimeout(t *testing.T) {
	t.Parallel()
	f := newEventFixture(t)
	ctx := context.Background()
	tx, err := f.db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	if _, err := tx.Exec(ctx, `LOCK TABLE evt_rahat_token_transfer IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	c := serve(t, f.db, func(c *graphql.Config) { c.Timeout = 300 * time.Millisecond })
	e := c.fails(t, `{ transfers { id } }`, nil, "The query took longer than the limit of 300ms")
	if e.Extensions["code"] != "TIMEOUT" {
		t.Errorf("code %v", e.Extensions["code"])
	}
}

// TestHTTP covers GET queries, automatic persisted queries, introspection and its switch,
// GraphiQL for browsers and the metrics.
func TestHTTP(t *testing.T) {
	t.Parallel()
	f := newEventFixture(t)
	reg := prometheus.NewRegistry()
	c := serve(t, f.db, func(c *graphql.Config) { c.Registry = reg })
	get := func(t *testing.T, params url.Values, accept string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, c.url+"?"+params.Encode(), nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	t.Run("GET", func(t *testing.T) {
		status, body := get(t, url.Values{"query": {`{ _meta { deployment block { number } } }`}}, "application/json")
		if status != 200 || !strings.Contains(body, `"deployment":"rahat"`) || !strings.Contains(body, `"number":106`) {
			t.Fatalf("%d %s", status, body)
		}
	})
	t.Run("automatic persisted queries", func(t *testing.T) {
		q := `{ transfers(first: 2) { id } }`
		sum := sha256.Sum256([]byte(q))
		ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hex.EncodeToString(sum[:])}}
		body, _ := json.Marshal(map[string]any{"extensions": ext})
		if r := c.raw(t, body); len(r.Errors) == 0 || r.Errors[0].Message != "PersistedQueryNotFound" {
			t.Fatalf("unknown hash: %+v", r.Errors)
		}
		body, _ = json.Marshal(map[string]any{"query": q, "extensions": ext})
		if r := c.raw(t, body); len(r.Errors) > 0 {
			t.Fatalf("registering: %+v", r.Errors)
		}
		body, _ = json.Marshal(map[string]any{"extensions": ext})
		if r := c.raw(t, body); len(r.Errors) > 0 || !strings.Contains(string(r.Data), "transfers") {
			t.Fatalf("by hash: %+v %s", r.Errors, r.Data)
		}
		extJSON, _ := json.Marshal(ext)
		if status, body := get(t, url.Values{"extensions": {string(extJSON)}}, "text/html"); status != 200 || !strings.Contains(body, "transfers") {
			t.Fatalf("GET by hash: %d %s", status, body)
		}
	})
	t.Run("introspection", func(t *testing.T) {
		var out struct {
			Schema struct{ QueryType struct{ Name string } } `json:"__schema"`
		}
		c.data(t, `{ __schema { queryType { name } } }`, nil, &out)
		if out.Schema.QueryType.Name != "Query" {
			t.Errorf("got %+v", out)
		}
		off := serve(t, f.db, func(c *graphql.Config) { c.DisableIntrospection = true })
		off.fails(t, `{ __schema { queryType { name } } }`, nil, "introspection is disabled")
	})
	t.Run("GraphiQL", func(t *testing.T) {
		status, body := get(t, url.Values{}, "text/html,application/xhtml+xml")
		if status != 200 || !strings.Contains(strings.ToLower(body), "graphiql") {
			t.Fatalf("%d %.200s", status, body)
		}
		off := serve(t, f.db, func(c *graphql.Config) { c.DisableGraphiQL = true })
		req, _ := http.NewRequest(http.MethodGet, off.url, nil)
		req.Header.Set("Accept", "text/html")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(strings.ToLower(string(b)), "graphiql") {
			t.Errorf("GraphiQL served while disabled")
		}
	})
	t.Run("CORS", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodOptions, c.url, nil)
		req.Header.Set("Origin", "https://dashboard.example.org")
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
			!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") {
			t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
		}
		only := serve(t, f.db, func(c *graphql.Config) { c.AllowedOrigins = []string{"https://a.example"} })
		req, _ = http.NewRequest(http.MethodOptions, only.url, nil)
		req.Header.Set("Origin", "https://b.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("foreign origin: %d %v", resp.StatusCode, resp.Header)
		}
	})
	t.Run("metrics", func(t *testing.T) {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]bool{}
		for _, mf := range mfs {
			names[mf.GetName()] = true
		}
		if !names["rahat_graphql_request_duration_seconds"] {
			t.Errorf("metrics: %v", names)
		}
	})
}
