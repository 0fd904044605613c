package graphql_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/golang-jwt/jwt/v5"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/api/auth"
	"github.com/rahataid/rahat/graphql"
	"github.com/rahataid/rahat/internal/pgtest"
)

// The operational fields over real data (distributions, claims and settlements made through the
// REST API on the dev chain) are tested in package api (ops_graphql_test.go); here, who may read
// them, on an empty database.

var opsSecret = []byte("graphql-test-secret-of-32-bytes-or-more")

// sqlLog records the statements a pool runs, to prove that a refused field read nothing.
type sqlLog struct {
	mu  sync.Mutex
	sql []string
}

func (l *sqlLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sql = append(l.sql, d.SQL)
	return ctx
}

func (l *sqlLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// opsReads returns and forgets the statements that read the API's or the outbox's tables.
func (l *sqlLog) opsReads() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, s := range l.sql {
		if strings.Contains(s, "api_") || strings.Contains(s, "txmgr_") {
			out = append(out, s)
		}
	}
	l.sql = nil
	return out
}

// opsClient serves GraphQL with an HS256 verifier (or none) on a traced pool, which it returns
// too, to write rows with.
func opsClient(t *testing.T, withVerifier bool) (*client, *sqlLog, *pgxpool.Pool) {
	t.Helper()
	pc, err := pgxpool.ParseConfig(pgtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	log := &sqlLog{}
	pc.ConnConfig.Tracer = log
	db, err := pgxpool.NewWithConfig(t.Context(), pc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	var v graphql.TokenVerifier
	if withVerifier {
		av, err := auth.NewVerifier(t.Context(), auth.Config{HS256Secret: opsSecret})
		if err != nil {
			t.Fatal(err)
		}
		v = av
	}
	return serve(t, db, func(c *graphql.Config) { c.ChainID = 1337; c.Verifier = v }), log, db
}

// postAs sends a document with an Authorization header (none when empty).
func (c *client) postAs(t *testing.T, authorization, query string) response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var r response
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("decoding %q: %v", b, err)
	}
	return r
}

func bearer(t *testing.T, spec auth.TokenSpec) string {
	t.Helper()
	tok, err := auth.IssueHS256(opsSecret, spec)
	if err != nil {
		t.Fatal(err)
	}
	return "Bearer " + tok
}

// signed signs arbitrary claims with secret (tokens IssueHS256 refuses to make).
func signed(t *testing.T, secret []byte, c jwt.MapClaims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return "Bearer " + tok
}

func TestOpsAuthorization(t *testing.T) {
	t.Parallel()
	c, log, _ := opsClient(t, true)
	vendorAddr := common.HexToAddress("0x00000000000000000000000000000000000000aa")
	now := time.Now()
	operator := bearer(t, auth.TokenSpec{Roles: []auth.Role{auth.RoleOperator}})
	admin := bearer(t, auth.TokenSpec{Roles: []auth.Role{auth.RoleAdmin}})
	vendor := bearer(t, auth.TokenSpec{Roles: []auth.Role{auth.RoleVendor}, Vendor: &vendorAddr})
	expired := bearer(t, auth.TokenSpec{Roles: []auth.Role{auth.RoleOperator}, Now: now.Add(-3 * time.Hour), TTL: time.Hour})
	noRole := signed(t, opsSecret, jwt.MapClaims{"iss": auth.DefaultIssuer, "aud": auth.DefaultAudience, "sub": "x",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	otherKey := signed(t, []byte("another-secret-of-thirty-two-bytes-at-least"), jwt.MapClaims{"iss": auth.DefaultIssuer,
		"aud": auth.DefaultAudience, "sub": "x", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "roles": "admin"})
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": auth.DefaultIssuer, "aud": auth.DefaultAudience,
		"sub": "x", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "roles": "admin"}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}

	staffOnly := []string{`{ distribution(id: "1") { id } }`, `{ distributions { id } }`, `{ transaction(id: "1") { id } }`, `{ transactions { id } }`}
	vendorOK := []string{`{ claimRequest(id: "1") { id } }`, `{ claimRequests { id } }`, `{ settlement(id: "1") { id } }`, `{ settlements { id } }`}
	all := append(append([]string{}, staffOnly...), vendorOK...)

	refused := []struct {
		name, authorization string
		queries             []string
		code                string
	}{
		{"no token", "", all, "UNAUTHENTICATED"},
		{"not bearer", "Basic dXNlcjpwYXNz", all, "UNAUTHENTICATED"},
		{"garbage", "Bearer not-a-jwt", all, "UNAUTHENTICATED"},
		{"expired", expired, all, "UNAUTHENTICATED"},
		{"another key", otherKey, all, "UNAUTHENTICATED"},
		{"alg none", "Bearer " + none, all, "UNAUTHENTICATED"},
		{"vendor on staff fields", vendor, staffOnly, "FORBIDDEN"},
		{"no role", noRole, all, "FORBIDDEN"},
	}
	for _, tc := range refused {
		for _, q := range tc.queries {
			r := c.postAs(t, tc.authorization, q)
			if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != tc.code {
				t.Errorf("%s: %s: want one %s error, got %+v", tc.name, q, tc.code, r.Errors)
			}
			if !strings.Contains(string(r.Data), "null") {
				t.Errorf("%s: %s: data %s", tc.name, q, r.Data)
			}
			if reads := log.opsReads(); len(reads) > 0 {
				t.Errorf("%s: %s: a refused field read %v", tc.name, q, reads)
			}
		}
	}

	// Admitted: empty results, and the public part of a document is answered beside a refusal.
	for _, tok := range []string{operator, admin} {
		for _, q := range all {
			if r := c.postAs(t, tok, q); len(r.Errors) > 0 {
				t.Errorf("%s: %+v", q, r.Errors)
			}
		}
	}
	for _, q := range vendorOK {
		if r := c.postAs(t, vendor, q); len(r.Errors) > 0 {
			t.Errorf("vendor: %s: %+v", q, r.Errors)
		}
	}
	if reads := log.opsReads(); len(reads) < len(all)+len(vendorOK) { // the tracer sees what refusals did not read
		t.Errorf("admitted fields made %d reads", len(reads))
	}
	r := c.postAs(t, "", `{ tokens { id } distributions { id } }`)
	if string(r.Data) != `{"tokens":[],"distributions":null}` || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Errorf("mixed document: %s %+v", r.Data, r.Errors)
	}

	// Bad arguments are the client's mistake.
	for q, want := range map[string]string{
		`{ distribution(id: "abc") { id } }`:            "id must be a positive integer",
		`{ transactions(first: 5000) { id } }`:          "first must be between 0 and 1000",
		`{ settlements(skip: -1) { id } }`:              "skip must be between 0 and",
		`{ transactions(where: {state: lost}) { id } }`: "",
	} {
		r := c.postAs(t, operator, q)
		if len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, want) {
			t.Errorf("%s: want an error with %q, got %+v", q, want, r.Errors)
		}
	}
}

// TestOpsWithoutVerifier refuses operational fields when the server verifies no tokens.
func TestOpsWithoutVerifier(t *testing.T) {
	t.Parallel()
	c, log, _ := opsClient(t, false)
	tok := bearer(t, auth.TokenSpec{Roles: []auth.Role{auth.RoleAdmin}})
	r := c.postAs(t, tok, `{ transactions { id } }`)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Fatalf("want UNAUTHENTICATED, got %+v", r.Errors)
	}
	if reads := log.opsReads(); len(reads) > 0 {
		t.Fatalf("read %v", reads)
	}
}

// TestOpsRequestStateFold checks the fold of a request's transactions into its state (the REST
// API's rule) on hand-made outbox rows, since failed transactions are hard to reach on the dev
// chain: failed if any failed (the first failure is the error), final when all are final,
// submitted once any left the queue, pending before.
func TestOpsRequestStateFold(t *testing.T) {
	t.Parallel()
	c, _, db := opsClient(t, true)
	ctx := t.Context()
	type tx struct{ state, err string }
	cases := []struct {
		txs       []tx
		state     string
		failedIdx int // the transaction the error names (-1: none)
	}{
		{nil, "pending", -1},
		{[]tx{{"queued", ""}, {"queued", ""}}, "pending", -1},
		{[]tx{{"sent", ""}, {"queued", ""}}, "submitted", -1},
		{[]tx{{"final", ""}, {"mined", ""}}, "submitted", -1},
		{[]tx{{"final", ""}, {"final", ""}}, "final", -1},
		{[]tx{{"final", ""}, {"failed", "reverted: Budget"}, {"failed", "a later one"}}, "failed", 1},
		{[]tx{{"queued", ""}, {"failed", "estimate reverted"}}, "failed", 1},
	}
	addr := make([]byte, 20)
	nonce := 0
	want := map[string]string{} // distribution id -> state
	for i, tc := range cases {
		var id int64
		if err := db.QueryRow(ctx, `INSERT INTO api_distributions (chain_id, project, token, signer, item_count, total, reserved, created_by, request_id)
VALUES (1337, $1, $1, $1, 1, 1, 0, 'test', 'r') RETURNING id`, addr).Scan(&id); err != nil {
			t.Fatal(err)
		}
		wantErr := ""
		for j, x := range tc.txs {
			var n *int
			if x.state != "queued" && !(x.state == "failed" && x.err == "estimate reverted") {
				nonce++
				n = &nonce
			}
			var txID int64
			if err := db.QueryRow(ctx, `INSERT INTO txmgr_txs (chain_id, signer, to_addr, kind, ref, state, nonce, error)
VALUES (1337, $1, $1, 'allocate', $2, $3, $4, $5) RETURNING id`, addr, fmt.Sprintf("distribution:%d", id), x.state, n, x.err).Scan(&txID); err != nil {
				t.Fatal(err)
			}
			if j == tc.failedIdx {
				wantErr = fmt.Sprintf("allocate transaction %d failed: %s", txID, x.err)
			}
		}
		var got struct{ Distribution struct{ State, Error string } }
		tok := bearer(t, auth.TokenSpec{Roles: []auth.Role{auth.RoleOperator}})
		r := c.postAs(t, tok, fmt.Sprintf(`{ distribution(id: "%d") { state error } }`, id))
		if len(r.Errors) > 0 {
			t.Fatalf("case %d: %+v", i, r.Errors)
		}
		if err := json.Unmarshal(r.Data, &got); err != nil {
			t.Fatal(err)
		}
		if got.Distribution.State != tc.state || got.Distribution.Error != wantErr {
			t.Errorf("case %d: got %+v, want %s %q", i, got.Distribution, tc.state, wantErr)
		}
		want[strconv.FormatInt(id, 10)] = tc.state
	}
	// The list filters by the folded state.
	tok := bearer(t, auth.TokenSpec{Roles: []auth.Role{auth.RoleAdmin}})
	for _, st := range []string{"pending", "submitted", "final", "failed"} {
		r := c.postAs(t, tok, `{ distributions(orderDirection: asc, where: {state: `+st+`}) { id state } }`)
		var got struct{ Distributions []struct{ ID, State string } }
		if err := json.Unmarshal(r.Data, &got); err != nil || len(r.Errors) > 0 {
			t.Fatalf("%s: %v %+v", st, err, r.Errors)
		}
		n := 0
		for _, s := range want {
			if s == st {
				n++
			}
		}
		if len(got.Distributions) != n {
			t.Errorf("%s: %+v", st, got.Distributions)
		}
		for _, d := range got.Distributions {
			if want[d.ID] != st || d.State != st {
				t.Errorf("%s: %+v", st, d)
			}
		}
	}
}
