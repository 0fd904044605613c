package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/golang-jwt/jwt/v5"
)

var (
	testNow    = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	testSecret = []byte("0123456789abcdef0123456789abcdef-secret")
	vendorAddr = common.HexToAddress("0x00000000000000000000000000000000000000aa")
)

// keys is a set of generated signing keys shared by the tests of this file.
type keys struct {
	rsa, rsa2 *rsa.PrivateKey
	ec        *ecdsa.PrivateKey
	ed        ed25519.PrivateKey
}

var testKeys = sync.OnceValue(func() keys {
	r1, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	r2, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return keys{rsa: r1, rsa2: r2, ec: ec, ed: ed}
})

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func rsaJWK(kid string, k *rsa.PublicKey) map[string]string {
	return map[string]string{"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig", "n": b64u(k.N.Bytes()),
		"e": b64u(big.NewInt(int64(k.E)).Bytes())}
}

func jwksJSON(t *testing.T, entries ...map[string]string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"keys": entries})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fullJWKS(t *testing.T) []byte {
	t.Helper()
	k := testKeys()
	ecb, err := k.ec.PublicKey.Bytes() // uncompressed point 0x04 || X || Y
	if err != nil {
		t.Fatal(err)
	}
	return jwksJSON(t,
		rsaJWK("rsa-1", &k.rsa.PublicKey),
		map[string]string{"kty": "EC", "kid": "ec-1", "crv": "P-256", "x": b64u(ecb[1:33]), "y": b64u(ecb[33:])},
		map[string]string{"kty": "OKP", "kid": "ed-1", "crv": "Ed25519", "x": b64u(k.ed.Public().(ed25519.PublicKey))},
	)
}

func writeFile(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func newVerifier(t *testing.T, cfg Config) *Verifier {
	t.Helper()
	cfg.Now = func() time.Time { return testNow }
	v, err := NewVerifier(context.Background(), cfg)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return v
}

// goodClaims returns claims that verify, for tests to spoil one at a time.
func goodClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"iss": DefaultIssuer, "aud": DefaultAudience, "sub": "ops-1", "roles": []string{"operator"},
		"iat": testNow.Add(-time.Minute).Unix(), "nbf": testNow.Add(-time.Minute).Unix(),
		"exp": testNow.Add(time.Hour).Unix(),
	}
}

func sign(t *testing.T, m jwt.SigningMethod, k any, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(k)
	if err != nil {
		t.Fatalf("signing: %v", err)
	}
	return s
}

func with(c jwt.MapClaims, kv ...any) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func TestVerifyAccepts(t *testing.T) {
	t.Parallel()
	k := testKeys()
	v := newVerifier(t, Config{HS256Secret: testSecret, JWKSFile: writeFile(t, fullJWKS(t))})
	cases := []struct {
		name  string
		token string
		want  Principal
	}{
		{"HS256 no kid", sign(t, jwt.SigningMethodHS256, testSecret, "", goodClaims()),
			Principal{Subject: "ops-1", Roles: []Role{RoleOperator}}},
		{"RS256", sign(t, jwt.SigningMethodRS256, k.rsa, "rsa-1", goodClaims()),
			Principal{Subject: "ops-1", Roles: []Role{RoleOperator}}},
		{"ES256", sign(t, jwt.SigningMethodES256, k.ec, "ec-1", goodClaims()),
			Principal{Subject: "ops-1", Roles: []Role{RoleOperator}}},
		{"EdDSA", sign(t, jwt.SigningMethodEdDSA, k.ed, "ed-1", goodClaims()),
			Principal{Subject: "ops-1", Roles: []Role{RoleOperator}}},
		{"role string and unknown roles ignored", sign(t, jwt.SigningMethodHS256, testSecret, "",
			with(goodClaims(), "roles", []string{"admin", "janitor"}, "role", "operator")),
			Principal{Subject: "ops-1", Roles: []Role{RoleAdmin, RoleOperator}}},
		{"vendor from claim", sign(t, jwt.SigningMethodHS256, testSecret, "",
			with(goodClaims(), "roles", "vendor", "vendor", vendorAddr.Hex())),
			Principal{Subject: "ops-1", Roles: []Role{RoleVendor}, Vendor: vendorAddr}},
		{"vendor from sub", sign(t, jwt.SigningMethodHS256, testSecret, "",
			with(goodClaims(), "roles", "vendor", "sub", vendorAddr.Hex())),
			Principal{Subject: vendorAddr.Hex(), Roles: []Role{RoleVendor}, Vendor: vendorAddr}},
		{"expired within leeway", sign(t, jwt.SigningMethodHS256, testSecret, "",
			with(goodClaims(), "exp", testNow.Add(-10*time.Second).Unix())),
			Principal{Subject: "ops-1", Roles: []Role{RoleOperator}}},
		{"audience list", sign(t, jwt.SigningMethodHS256, testSecret, "",
			with(goodClaims(), "aud", []string{"other", DefaultAudience})),
			Principal{Subject: "ops-1", Roles: []Role{RoleOperator}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := v.Verify(context.Background(), tc.token)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			p.ExpiresAt = time.Time{}
			if p.Subject != tc.want.Subject || p.Vendor != tc.want.Vendor || len(p.Roles) != len(tc.want.Roles) {
				t.Fatalf("principal %+v, want %+v", p, tc.want)
			}
			for i := range p.Roles {
				if p.Roles[i] != tc.want.Roles[i] {
					t.Fatalf("roles %v, want %v", p.Roles, tc.want.Roles)
				}
			}
		})
	}
}

func TestVerifyRefusesAttacks(t *testing.T) {
	t.Parallel()
	k := testKeys()
	v := newVerifier(t, Config{HS256Secret: testSecret, JWKSFile: writeFile(t, fullJWKS(t))})
	rsaOnly := newVerifier(t, Config{JWKSFile: writeFile(t, jwksJSON(t, rsaJWK("rsa-1", &k.rsa.PublicKey)))})

	pubDER, err := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	good := sign(t, jwt.SigningMethodHS256, testSecret, "", goodClaims())
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + b64u(mustJSON(t, with(goodClaims(), "roles", []string{"admin"}))) + "." + parts[2]
	none := b64u([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	noneKID := b64u([]byte(`{"alg":"none","typ":"JWT","kid":"rsa-1"}`)) + "." + parts[1] + "."

	cases := []struct {
		name   string
		v      *Verifier
		token  string
		reason string
	}{
		{"alg none", v, none, "signature"},
		{"alg none with kid", v, noneKID, "signature"},
		{"alg none, RSA-only verifier", rsaOnly, none, "signature"},
		{"HS256 with RSA public key PEM, RSA kid", v, sign(t, jwt.SigningMethodHS256, pubPEM, "rsa-1", goodClaims()), "algorithm"},
		{"HS256 with RSA public key DER, RSA kid", v, sign(t, jwt.SigningMethodHS256, pubDER, "rsa-1", goodClaims()), "algorithm"},
		{"HS256 with RSA public key PEM, no kid", v, sign(t, jwt.SigningMethodHS256, pubPEM, "", goodClaims()), "signature"},
		{"HS256 with RSA public key PEM, RSA-only verifier", rsaOnly, sign(t, jwt.SigningMethodHS256, pubPEM, "", goodClaims()), "algorithm"},
		{"RS256 with an EC kid", v, sign(t, jwt.SigningMethodRS256, k.rsa, "ec-1", goodClaims()), "algorithm"},
		{"RS256 signed by another key", v, sign(t, jwt.SigningMethodRS256, k.rsa2, "rsa-1", goodClaims()), "signature"},
		{"PS256 (not pinned)", v, sign(t, jwt.SigningMethodPS256, k.rsa, "rsa-1", goodClaims()), "signature"},
		{"unknown kid", v, sign(t, jwt.SigningMethodRS256, k.rsa2, "rsa-9", goodClaims()), "unknown_kid"},
		{"expired", v, sign(t, jwt.SigningMethodHS256, testSecret, "", with(goodClaims(), "exp", testNow.Add(-time.Hour).Unix())), "expired"},
		{"no exp", v, sign(t, jwt.SigningMethodHS256, testSecret, "", with(goodClaims(), "exp", nil)), "claims"},
		{"nbf in the future", v, sign(t, jwt.SigningMethodHS256, testSecret, "", with(goodClaims(), "nbf", testNow.Add(time.Hour).Unix())), "not_yet_valid"},
		{"iat in the future", v, sign(t, jwt.SigningMethodHS256, testSecret, "", with(goodClaims(), "iat", testNow.Add(time.Hour).Unix())), "not_yet_valid"},
		{"wrong issuer", v, sign(t, jwt.SigningMethodHS256, testSecret, "", with(goodClaims(), "iss", "evil")), "issuer"},
		{"no issuer", v, sign(t, jwt.SigningMethodHS256, testSecret, "", with(goodClaims(), "iss", nil)), "claims"},
		{"wrong audience", v, sign(t, jwt.SigningMethodHS256, testSecret, "", with(goodClaims(), "aud", "other")), "audience"},
		{"tampered payload", v, tampered, "signature"},
		{"wrong secret", v, sign(t, jwt.SigningMethodHS256, []byte("another-secret-of-enough-length-xx"), "", goodClaims()), "signature"},
		{"no sub", v, sign(t, jwt.SigningMethodHS256, testSecret, "", with(goodClaims(), "sub", nil)), "claims"},
		{"vendor without address", v, sign(t, jwt.SigningMethodHS256, testSecret, "", with(goodClaims(), "roles", "vendor")), "claims"},
		{"garbage", v, "not.a.token", "malformed"},
		{"empty", v, "", "malformed"},
		{"oversized", v, strings.Repeat("a", maxTokenLen+1), "malformed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := tc.v.Verify(context.Background(), tc.token)
			var ae *Error
			if !errors.As(err, &ae) {
				t.Fatalf("Verify = %+v, %v; want an *Error", p, err)
			}
			if ae.Reason != tc.reason {
				t.Fatalf("reason %q (%v), want %q", ae.Reason, err, tc.reason)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestJWKSRotation serves a key set over HTTP, rotates it, and checks that a token with the new
// kid is accepted after one refetch, that refetches are bounded, and that the old key goes.
func TestJWKSRotation(t *testing.T) {
	t.Parallel()
	k := testKeys()
	var current atomic.Value
	current.Store(jwksJSON(t, rsaJWK("old", &k.rsa.PublicKey)))
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(current.Load().([]byte))
	}))
	t.Cleanup(srv.Close)

	var now atomic.Int64
	now.Store(testNow.Unix())
	clock := func() time.Time { return time.Unix(now.Load(), 0) }
	v, err := NewVerifier(context.Background(), Config{JWKSURL: srv.URL, Now: clock, MinRefetch: time.Minute, Refresh: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	long := with(goodClaims(), "exp", testNow.Add(24*time.Hour).Unix())
	oldTok := sign(t, jwt.SigningMethodRS256, k.rsa, "old", long)
	newTok := sign(t, jwt.SigningMethodRS256, k.rsa2, "new", long)
	if _, err := v.Verify(ctx, oldTok); err != nil {
		t.Fatalf("old key before rotation: %v", err)
	}
	// Publish both keys: the new kid is found by the refetch its first use causes.
	now.Add(120)
	current.Store(jwksJSON(t, rsaJWK("old", &k.rsa.PublicKey), rsaJWK("new", &k.rsa2.PublicKey)))
	if _, err := v.Verify(ctx, newTok); err != nil {
		t.Fatalf("new key after rotation: %v", err)
	}
	if _, err := v.Verify(ctx, oldTok); err != nil {
		t.Fatalf("old key during rotation: %v", err)
	}
	// Retire the old key; within MinRefetch unknown kids cause no fetch.
	current.Store(jwksJSON(t, rsaJWK("new", &k.rsa2.PublicKey)))
	before := fetches.Load()
	for range 5 {
		if _, err := v.Verify(ctx, sign(t, jwt.SigningMethodRS256, k.rsa2, "nope", goodClaims())); err == nil {
			t.Fatal("unknown kid accepted")
		}
	}
	if got := fetches.Load() - before; got != 0 {
		t.Fatalf("%d fetches within MinRefetch", got)
	}
	now.Add(2 * 3600) // past Refresh: the next verification refreshes, and the old key is gone
	if _, err := v.Verify(ctx, oldTok); err == nil {
		t.Fatal("retired key still accepted")
	}
	if _, err := v.Verify(ctx, newTok); err != nil {
		t.Fatalf("new key after retirement: %v", err)
	}
}

func TestConfigAndJWKSErrors(t *testing.T) {
	t.Parallel()
	k := testKeys()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		cfg  Config
	}{
		{"no key", Config{}},
		{"short secret", Config{HS256Secret: []byte("short")}},
		{"plain http JWKS", Config{JWKSURL: "http://example.com/jwks"}},
		{"short RSA", Config{JWKSFile: writeFile(t, jwksJSON(t, rsaJWK("a", &small.PublicKey)))}},
		{"RSA with HS256 alg", Config{JWKSFile: writeFile(t, jwksJSON(t, map[string]string{"kty": "RSA", "kid": "a", "alg": "HS256",
			"n": b64u(k.rsa.N.Bytes()), "e": "AQAB"}))}},
		{"oct without alg", Config{JWKSFile: writeFile(t, jwksJSON(t, map[string]string{"kty": "oct", "kid": "a", "k": b64u(testSecret)}))}},
		{"duplicate kid", Config{JWKSFile: writeFile(t, jwksJSON(t, rsaJWK("a", &k.rsa.PublicKey), rsaJWK("a", &k.rsa2.PublicKey)))}},
		{"missing kid among several", Config{JWKSFile: writeFile(t, jwksJSON(t, rsaJWK("", &k.rsa.PublicKey), rsaJWK("b", &k.rsa2.PublicKey)))}},
		{"EC off curve", Config{JWKSFile: writeFile(t, jwksJSON(t, map[string]string{"kty": "EC", "kid": "a", "crv": "P-256",
			"x": b64u(make([]byte, 32)), "y": b64u(append(make([]byte, 31), 1))}))}},
		{"not JSON", Config{JWKSFile: writeFile(t, []byte("nope"))}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := NewVerifier(context.Background(), tc.cfg); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestIssueHS256RoundTrip(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, Config{HS256Secret: testSecret})
	tok, err := IssueHS256(testSecret, TokenSpec{Roles: []Role{RoleVendor}, Vendor: &vendorAddr, Now: testNow, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if p.Vendor != vendorAddr || !p.Has(RoleVendor) || p.Has(RoleAdmin) || !p.ExpiresAt.Equal(testNow.Add(time.Hour)) {
		t.Fatalf("principal %+v", p)
	}
	if _, err := IssueHS256(testSecret, TokenSpec{Roles: []Role{RoleVendor}}); err == nil {
		t.Fatal("vendor token without address issued")
	}
	if _, err := IssueHS256(testSecret, TokenSpec{Roles: []Role{"root"}}); err == nil {
		t.Fatal("unknown role issued")
	}
	if _, err := IssueHS256(testSecret[:10], TokenSpec{Roles: []Role{RoleAdmin}}); err == nil {
		t.Fatal("short secret accepted")
	}
}
