package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
)

// key is one verification key pinned to one algorithm.
type key struct {
	alg     string // HS256, RS256, ES256 or EdDSA
	key     any    // []byte, *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
	fromURL bool
}

// jwk is the subset of RFC 7517/7518/8037 that rahat reads.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	Crv string `json:"crv"`
	N   string `json:"n"`
	E   string `json:"e"`
	X   string `json:"x"`
	Y   string `json:"y"`
	K   string `json:"k"`
}

// maxJWKS bounds a key set's size.
const maxJWKS = 1 << 20

func readJWKSFile(path string) (map[string]*key, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("auth: reading JWKS file: %w", err)
	}
	defer f.Close()
	set, err := parseJWKS(io.LimitReader(f, maxJWKS))
	if err != nil {
		return nil, fmt.Errorf("auth: JWKS file %s: %w", path, err)
	}
	return set, nil
}

func fetchJWKS(ctx context.Context, c *http.Client, url string) (map[string]*key, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("auth: JWKS URL: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("auth: fetching JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("auth: fetching JWKS: HTTP %d", resp.StatusCode)
	}
	set, err := parseJWKS(io.LimitReader(resp.Body, maxJWKS))
	if err != nil {
		return nil, fmt.Errorf("auth: JWKS from %s: %w", url, err)
	}
	return set, nil
}

// parseJWKS reads a JSON Web Key Set and returns its signature keys by kid, each pinned to its
// algorithm. Encryption keys (use "enc") are skipped; anything malformed is an error, because a
// half-read key set would silently refuse valid tokens.
func parseJWKS(r io.Reader) (map[string]*key, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.NewDecoder(r).Decode(&set); err != nil {
		return nil, fmt.Errorf("decoding key set: %w", err)
	}
	out := make(map[string]*key, len(set.Keys))
	for i, raw := range set.Keys {
		var j jwk
		if err := json.Unmarshal(raw, &j); err != nil {
			return nil, fmt.Errorf("key %d: %w", i, err)
		}
		if j.Use == "enc" {
			continue
		}
		if j.Kid == "" && len(set.Keys) > 1 {
			return nil, fmt.Errorf("key %d: kid is required when the set has several keys", i)
		}
		if _, dup := out[j.Kid]; dup {
			return nil, fmt.Errorf("key %d: duplicate kid %q", i, j.Kid)
		}
		k, err := j.parse()
		if err != nil {
			return nil, fmt.Errorf("key %d (kid %q): %w", i, j.Kid, err)
		}
		out[j.Kid] = k
	}
	if len(out) == 0 {
		return nil, errors.New("no signature keys")
	}
	return out, nil
}

func (j jwk) parse() (*key, error) {
	pin := func(want string) error {
		if j.Alg != "" && j.Alg != want {
			return fmt.Errorf("alg %q is not supported for kty %s (only %s)", j.Alg, j.Kty, want)
		}
		return nil
	}
	switch j.Kty {
	case "RSA":
		if err := pin("RS256"); err != nil {
			return nil, err
		}
		n, err1 := b64int(j.N)
		e, err2 := b64int(j.E)
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		if n.BitLen() < 2048 {
			return nil, fmt.Errorf("RSA modulus of %d bits is too short (2048 at least)", n.BitLen())
		}
		if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 {
			return nil, errors.New("RSA exponent out of range")
		}
		return &key{alg: "RS256", key: &rsa.PublicKey{N: n, E: int(e.Int64())}}, nil
	case "EC":
		if err := pin("ES256"); err != nil {
			return nil, err
		}
		if j.Crv != "P-256" {
			return nil, fmt.Errorf("curve %q is not supported (only P-256)", j.Crv)
		}
		x, err1 := b64(j.X)
		y, err2 := b64(j.Y)
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		if len(x) != 32 || len(y) != 32 {
			return nil, errors.New("P-256 coordinates must be 32 bytes")
		}
		// The uncompressed SEC 1 form; ParseUncompressedPublicKey checks the point is on the curve.
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			return nil, fmt.Errorf("P-256 point: %w", err)
		}
		return &key{alg: "ES256", key: pub}, nil
	case "OKP":
		if err := pin("EdDSA"); err != nil {
			return nil, err
		}
		if j.Crv != "Ed25519" {
			return nil, fmt.Errorf("curve %q is not supported (only Ed25519)", j.Crv)
		}
		x, err := b64(j.X)
		if err != nil {
			return nil, err
		}
		if len(x) != ed25519.PublicKeySize {
			return nil, errors.New("Ed25519 key must be 32 bytes")
		}
		return &key{alg: "EdDSA", key: ed25519.PublicKey(x)}, nil
	case "oct":
		if j.Alg != "HS256" {
			return nil, errors.New(`a symmetric key needs "alg": "HS256"`)
		}
		k, err := b64(j.K)
		if err != nil {
			return nil, err
		}
		if len(k) < MinSecretLen {
			return nil, fmt.Errorf("HS256 key of %d bytes is too short", len(k))
		}
		return &key{alg: "HS256", key: k}, nil
	default:
		return nil, fmt.Errorf("kty %q is not supported", j.Kty)
	}
}

func b64(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("missing key parameter")
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("key parameter is not base64url: %w", err)
	}
	return b, nil
}

func b64int(s string) (*big.Int, error) {
	b, err := b64(s)
	if err != nil {
		return nil, err
	}
	return new(big.Int).SetBytes(b), nil
}
