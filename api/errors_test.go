package api_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/golang-jwt/jwt/v5"

	"github.com/rahataid/rahat/api"
	"github.com/rahataid/rahat/api/auth"
)

// errCase is a request that must fail with a documented error and change nothing.
type errCase struct {
	name   string
	method string
	path   string
	tok    string
	body   any
	hdr    []string
	status int
	code   string
	field  string // a details field that must be present, if set
}

// run sends every case, checks the error, and checks the database did not change.
func (w *world) runErrors(t *testing.T, cases []errCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := w.snapshot()
			r := w.call(tc.method, tc.path, tc.tok, tc.body, tc.hdr...)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			e := r.err(t)
			if e.Code != tc.code {
				t.Fatalf("code %q, want %q: %s", e.Code, tc.code, r.body)
			}
			if r.header.Get("X-Request-Id") != e.RequestID {
				t.Fatalf("request id header %q, body %q", r.header.Get("X-Request-Id"), e.RequestID)
			}
			if tc.field != "" {
				found := false
				for _, d := range e.Details {
					found = found || d.Field == tc.field
				}
				if !found {
					t.Fatalf("no detail for %s: %s", tc.field, r.body)
				}
			}
			if after := w.snapshot(); after != before {
				t.Fatalf("the database changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// TestErrorPaths drives every endpoint's error paths: each returns its documented status, code
// and field, and leaves every table as it was.
func TestErrorPaths(t *testing.T) {
	t.Parallel()
	rsaKey, jwksPath := rsaJWKS(t)
	w := newWorld(t, worldOpts{apiCfg: func(c *api.Config) { c.Auth.JWKSFile = jwksPath; c.MaxAllocations = 1000 }})
	bens := w.registerBens(w.proj.Project, 3)
	other := w.registerBens(w.unmanaged.Project, 1)
	v := w.registerVendor()
	v2 := w.registerVendor()
	ops := w.token(auth.RoleOperator, nil)
	admin := w.token(auth.RoleAdmin, nil)
	proj := w.proj.Project.Hex()

	dist := func(as ...allocation) map[string]any { return map[string]any{"project": proj, "allocations": as} }
	one := allocs(bens[:1], 10)
	big129 := new(big.Int).Lsh(big.NewInt(1), 128).String()
	many := make([]allocation, 1001)
	for i := range many {
		many[i] = allocation{Beneficiary: common.BigToAddress(big.NewInt(int64(i + 1))).Hex(), Amount: "1"}
	}
	huge := `{"project":"` + proj + `","allocations":[` + strings.Repeat(`{"beneficiary":"0x0000000000000000000000000000000000000001","amount":"1"},`, 60_000) + `]}`

	// A claim of v, for the other vendor to try.
	if got := w.waitDistribution(w.distribute(allocs(bens[2:3], 500)).ID, time.Minute); got.State != "final" {
		t.Fatalf("distribution: %+v", got)
	}
	claim := w.createClaim(v, bens[2], "100")

	post := func(name, path, tok string, body any, status int, code, field string, hdr ...string) errCase {
		if hdr == nil {
			hdr = idem()
		}
		return errCase{name: name, method: http.MethodPost, path: path, tok: tok, body: body, hdr: hdr, status: status, code: code, field: field}
	}
	get := func(name, path, tok string, status int, code string) errCase {
		return errCase{name: name, method: http.MethodGet, path: path, tok: tok, status: status, code: code}
	}
	d := "/v1/distributions"
	cases := []errCase{
		// distribution: decoding
		post("bad JSON", d, ops, `{"project":`, 400, "invalid_request", ""),
		post("unknown field", d, ops, `{"project":"`+proj+`","allocations":[],"memo":"x"}`, 400, "invalid_request", "memo"),
		post("unknown nested field", d, ops, `{"project":"`+proj+`","allocations":[{"beneficiary":"`+bens[0].addr.Hex()+`","amount":"1","memo":1}]}`, 400, "invalid_request", "allocations[0].memo"),
		post("amount as number", d, ops, `{"project":"`+proj+`","allocations":[{"beneficiary":"`+bens[0].addr.Hex()+`","amount":5}]}`, 400, "invalid_request", "allocations[0].amount"),
		post("project as number", d, ops, `{"project":7,"allocations":[]}`, 400, "invalid_request", "project"),
		post("two objects", d, ops, `{"project":"`+proj+`"}{}`, 400, "invalid_request", ""),
		post("wrong media type", d, ops, "x", 415, "unsupported_media", "", append(idem(), "Content-Type", "text/plain")...),
		post("too large", d, ops, huge, 413, "too_large", ""),
		// distribution: validation
		post("zero amount", d, ops, dist(allocation{bens[0].addr.Hex(), "0"}), 422, "validation_failed", "allocations[0].amount"),
		post("negative amount", d, ops, dist(allocation{bens[0].addr.Hex(), "-5"}), 422, "validation_failed", "allocations[0].amount"),
		post("fraction", d, ops, dist(allocation{bens[0].addr.Hex(), "1.5"}), 422, "validation_failed", "allocations[0].amount"),
		post("amount over uint128", d, ops, dist(allocation{bens[0].addr.Hex(), big129}), 422, "validation_failed", "allocations[0].amount"),
		post("amount over uint256", d, ops, dist(allocation{bens[0].addr.Hex(), strings.Repeat("9", 80)}), 422, "validation_failed", "allocations[0].amount"),
		post("bad address", d, ops, dist(allocation{"0x1234", "1"}), 422, "validation_failed", "allocations[0].beneficiary"),
		post("bad checksum", d, ops, dist(allocation{badChecksum(bens[0].addr), "1"}), 422, "validation_failed", "allocations[0].beneficiary"),
		post("duplicate beneficiary", d, ops, dist(one[0], one[0]), 422, "validation_failed", "allocations[1].beneficiary"),
		post("unknown beneficiary", d, ops, dist(one[0], allocation{newBen(t).addr.Hex(), "1"}), 422, "validation_failed", "allocations[1].beneficiary"),
		post("beneficiary of another project", d, ops, dist(allocation{other[0].addr.Hex(), "1"}), 422, "validation_failed", "allocations[0].beneficiary"),
		post("no allocations", d, ops, map[string]any{"project": proj}, 422, "validation_failed", "allocations"),
		post("empty allocations", d, ops, dist(), 422, "validation_failed", "allocations"),
		post("too many allocations", d, ops, dist(many...), 422, "validation_failed", "allocations"),
		post("unknown project", d, ops, map[string]any{"project": newBen(t).addr.Hex(), "allocations": one}, 422, "validation_failed", "project"),
		post("wrong token", d, ops, map[string]any{"project": proj, "token": w.unmanaged.Token.Hex(), "allocations": one}, 422, "validation_failed", "token"),
		post("unmanaged project", d, ops, map[string]any{"project": w.unmanaged.Project.Hex(), "allocations": []allocation{{other[0].addr.Hex(), "1"}}}, 422, "validation_failed", "project"),
		post("over budget", d, ops, dist(allocation{bens[0].addr.Hex(), "2000000000"}), 422, "insufficient_budget", ""),
		post("no idempotency key", d, ops, dist(one...), 428, "idempotency_key_required", "", "X-Nothing", "1"),
		post("bad idempotency key", d, ops, dist(one...), 422, "validation_failed", "Idempotency-Key", "Idempotency-Key", strings.Repeat("k", 300)),
		// roles and authentication
		post("vendor token", d, v.tok, dist(one...), 403, "forbidden", ""),
		post("no token", d, "", dist(one...), 401, "unauthorized", ""),
		post("garbage token", d, "abc", dist(one...), 401, "unauthorized", ""),
		{name: "wrong method", method: http.MethodPut, path: d, tok: ops, body: dist(one...), status: 405, code: "method_not_allowed"},
		get("unknown route", "/v1/nope", ops, 404, "not_found"),
		get("unknown distribution", "/v1/distributions/999999", ops, 404, "not_found"),
		get("non-numeric id", "/v1/distributions/abc", ops, 404, "not_found"),
		get("bad limit", "/v1/beneficiaries?limit=0", ops, 422, "validation_failed"),
		get("bad project filter", "/v1/vendors?project=xyz", ops, 422, "validation_failed"),
		get("vendor lists beneficiaries", "/v1/beneficiaries", v.tok, 403, "forbidden"),
		get("operator reads vendor claims", "/v1/vendor/claims", ops, 403, "forbidden"),
		get("unknown transaction", "/v1/transactions/999999", ops, 404, "not_found"),
		// beneficiaries
		post("beneficiary exists", "/v1/beneficiaries", admin, map[string]any{"project": proj, "address": bens[0].addr.Hex(), "phone": newBen(t).tel}, 409, "conflict", "address"),
		post("phone taken", "/v1/beneficiaries", admin, map[string]any{"project": proj, "address": newBen(t).addr.Hex(), "phone": bens[0].tel}, 409, "conflict", "phone"),
		post("bad phone", "/v1/beneficiaries", admin, map[string]any{"project": proj, "address": newBen(t).addr.Hex(), "phone": "12"}, 422, "validation_failed", "phone"),
		post("bad language", "/v1/beneficiaries", admin, map[string]any{"project": proj, "address": newBen(t).addr.Hex(), "phone": newBen(t).tel, "language": "fr"}, 422, "validation_failed", "language"),
		post("missing fields", "/v1/beneficiaries", admin, map[string]any{"project": proj}, 422, "validation_failed", "phone"),
		post("vendor registers", "/v1/beneficiaries", v.tok, map[string]any{"project": proj, "address": newBen(t).addr.Hex(), "phone": newBen(t).tel}, 403, "forbidden", ""),
		// vendors
		post("vendor without name", "/v1/vendors", admin, map[string]any{"project": proj, "name": " "}, 422, "validation_failed", "name"),
		post("vendor in unmanaged project", "/v1/vendors", admin, map[string]any{"project": w.unmanaged.Project.Hex(), "name": "x"}, 422, "validation_failed", "project"),
		post("vendor without key", "/v1/vendors", admin, map[string]any{"project": proj, "name": "x"}, 428, "idempotency_key_required", "", "X-Nothing", "1"),
		// claims
		post("claim by operator", "/v1/vendor/claims", ops, map[string]any{"project": proj, "beneficiary": bens[0].addr.Hex(), "amount": "1"}, 403, "forbidden", ""),
		post("claim outside the vendor's project", "/v1/vendor/claims", v.tok, map[string]any{"project": w.unmanaged.Project.Hex(), "beneficiary": other[0].addr.Hex(), "amount": "1"}, 403, "forbidden", ""),
		post("claim of unknown beneficiary", "/v1/vendor/claims", v.tok, map[string]any{"project": proj, "beneficiary": newBen(t).addr.Hex(), "amount": "1"}, 422, "validation_failed", "beneficiary"),
		post("claim of unknown phone", "/v1/vendor/claims", v.tok, map[string]any{"project": proj, "phone": newBen(t).tel, "amount": "1"}, 422, "validation_failed", "phone"),
		post("claim with both", "/v1/vendor/claims", v.tok, map[string]any{"project": proj, "beneficiary": bens[0].addr.Hex(), "phone": bens[0].tel, "amount": "1"}, 422, "validation_failed", "phone"),
		post("claim over allocation", "/v1/vendor/claims", v.tok, map[string]any{"project": proj, "beneficiary": bens[1].addr.Hex(), "amount": "1"}, 422, "insufficient_funds", "amount"),
		post("claim over the rest", "/v1/vendor/claims", v.tok, map[string]any{"project": proj, "beneficiary": bens[2].addr.Hex(), "amount": "401"}, 422, "insufficient_funds", "amount"),
		post("claim amount as number", "/v1/vendor/claims", v.tok, `{"project":"`+proj+`","beneficiary":"`+bens[0].addr.Hex()+`","amount":1}`, 400, "invalid_request", "amount"),
		get("other vendor's claim", fmt.Sprintf("/v1/vendor/claims/%d", claim.ID), v2.tok, 404, "not_found"),
		post("code for other vendor's claim", fmt.Sprintf("/v1/vendor/claims/%d/code", claim.ID), v2.tok, map[string]any{"code": "123456"}, 404, "not_found", ""),
		post("resend for other vendor's claim", fmt.Sprintf("/v1/vendor/claims/%d/resend", claim.ID), v2.tok, nil, 404, "not_found", ""),
		post("code without code", fmt.Sprintf("/v1/vendor/claims/%d/code", claim.ID), v.tok, map[string]any{}, 422, "validation_failed", "code"),
		post("resend with a body", fmt.Sprintf("/v1/vendor/claims/%d/resend", claim.ID), v.tok, map[string]any{"x": 1}, 400, "invalid_request", ""),
		// settlements
		post("settle more than held", "/v1/vendor/settlements", v.tok, map[string]any{"project": proj, "amount": "1"}, 422, "insufficient_funds", "amount"),
		post("settle zero", "/v1/vendor/settlements", v.tok, map[string]any{"project": proj, "amount": "0"}, 422, "validation_failed", "amount"),
		get("other vendor's settlement", "/v1/vendor/settlements/1", v2.tok, 404, "not_found"),
	}
	w.runErrors(t, cases)

	// JWT attacks on an otherwise valid, executable request: all 401, nothing executed.
	body := dist(allocs(bens[:2], 7)...)
	good := goodClaims(w)
	pub, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
	valid := signTok(t, jwt.SigningMethodHS256, secret, "", good)
	parts := strings.Split(valid, ".")
	tampered := parts[0] + "." + b64(mustJSON(t, withClaim(good, "sub", "root", "roles", []string{"admin"}))) + "." + parts[2]
	none := b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	var attacks []errCase
	for name, tok := range map[string]string{
		"alg none":                       none,
		"HS256 with RSA pub key":         signTok(t, jwt.SigningMethodHS256, pubPEM, "rsa-1", good),
		"HS256 with RSA pub key, no kid": signTok(t, jwt.SigningMethodHS256, pubPEM, "", good),
		"expired":                        signTok(t, jwt.SigningMethodHS256, secret, "", withClaim(good, "exp", w.clk.now().Add(-time.Hour).Unix())),
		"not yet valid":                  signTok(t, jwt.SigningMethodHS256, secret, "", withClaim(good, "nbf", w.clk.now().Add(time.Hour).Unix())),
		"wrong issuer":                   signTok(t, jwt.SigningMethodHS256, secret, "", withClaim(good, "iss", "someone")),
		"wrong audience":                 signTok(t, jwt.SigningMethodHS256, secret, "", withClaim(good, "aud", "graphql")),
		"tampered payload":               tampered,
		"unknown kid":                    signTok(t, jwt.SigningMethodRS256, rsaKey, "rsa-2", good),
		"RS256 with the HS kid":          signTok(t, jwt.SigningMethodRS256, rsaKey, "", good),
	} {
		attacks = append(attacks, post(name, d, tok, body, 401, "unauthorized", ""))
	}
	w.runErrors(t, attacks)
	// The same request with a good RS256 token executes: the attacks failed on the token alone.
	if r := w.call(http.MethodPost, d, signTok(t, jwt.SigningMethodRS256, rsaKey, "rsa-1", good), body, idem()...); r.status != http.StatusAccepted {
		t.Fatalf("control request: %d %s", r.status, r.body)
	}
	if n := counter(t, w, "rahat_api_auth_failures_total", "reason", "unknown_kid"); n != 1 {
		t.Errorf("unknown_kid failures counted %v", n)
	}

	// Rate limits: a burst of 3 at 0.5/s, per client.
	w.killAPI()
	w.startAPI(func(c *api.Config) { c.RatePerSecond, c.RateBurst = 0.5, 3 })
	for i := range 3 {
		if r := w.call(http.MethodGet, "/v1/vendors", ops, nil); r.status != 200 {
			t.Fatalf("request %d within the burst: %d %s", i, r.status, r.body)
		}
	}
	w.runErrors(t, []errCase{get("rate limited", "/v1/vendors", ops, 429, "rate_limited")})
	if r := w.call(http.MethodGet, "/v1/vendors", ops, nil); r.header.Get("Retry-After") == "" {
		t.Fatalf("no Retry-After: %v", r.header)
	}
	if r := w.call(http.MethodGet, "/v1/vendors", admin, nil); r.status != 200 {
		t.Fatalf("another client was limited: %d", r.status)
	}
}

func badChecksum(a common.Address) string {
	h := a.Hex()
	for i := 2; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= 'a' && c <= 'f':
			return h[:i] + strings.ToUpper(string(c)) + h[i+1:]
		case c >= 'A' && c <= 'F':
			return h[:i] + strings.ToLower(string(c)) + h[i+1:]
		}
	}
	return h
}

func rsaJWKS(t *testing.T) (*rsa.PrivateKey, string) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]any{"keys": []map[string]string{{"kty": "RSA", "kid": "rsa-1", "alg": "RS256",
		"n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}}}
	p := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(p, mustJSON(t, set), 0o600); err != nil {
		t.Fatal(err)
	}
	return k, p
}

func goodClaims(w *world) jwt.MapClaims {
	now := w.clk.now()
	return jwt.MapClaims{"iss": auth.DefaultIssuer, "aud": auth.DefaultAudience, "sub": "ops-attack", "roles": []string{"operator"},
		"iat": now.Add(-time.Minute).Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix()}
}

func withClaim(c jwt.MapClaims, kv ...any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func signTok(t *testing.T, m jwt.SigningMethod, key any, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
