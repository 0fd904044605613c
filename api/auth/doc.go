// Package auth verifies the JWT bearer tokens of rahat's command API and issues HS256 tokens for
// development (`rahat token`).
//
// # What a token must be
//
// A compact JWS whose header names an algorithm the selected key is pinned to, and whose claims
// carry iss and aud equal to the configured issuer and audience, exp (required), optionally nbf
// and iat, a non-empty sub, and roles: "roles" (an array or a string) or "role" (a string), of
// which admin, operator and vendor are understood. A vendor token names the vendor's chain
// address in "vendor", or in sub when sub is an address. exp, nbf and iat are compared with the
// injected clock, with a small leeway for clock skew (Config.Leeway).
//
// # Keys and algorithms
//
// Every key carries exactly one algorithm: the HS256 secret is HS256 only; a JWKS RSA key is
// RS256, a P-256 EC key ES256, an Ed25519 OKP key EdDSA, an oct key HS256 only when its "alg"
// says so. The key is chosen by the token's "kid" header, and its algorithm must equal the
// token's "alg". That closes the classic confusions: "alg":"none" is never accepted (the library
// needs a special key value for it, which no key here has); a token signed with HS256 using an
// RSA public key as the secret names either the RSA key's kid (whose algorithm is RS256, so it is
// refused) or no kid (then the HS256 secret, if any, verifies it and the signature fails).
//
// A token without kid is verified with the HS256 secret, or with the only JWKS key when there
// is exactly one and no secret. An unknown kid is refused; with a JWKS URL the set is first
// fetched again (at most once per MinRefetch), which is how rotation works: publish the new key
// next to the old one, move signers to it, retire the old key once its tokens have expired.
// Fetching is lazy (on use, never in a background goroutine): the set is refreshed when older
// than Refresh, and a failed refresh keeps the previous keys.
package auth
