// Package keyring holds the signing keys of `rahat serve`: fixed keys (the projects' operator and OTP
// server, from an encrypted keystore or, in development, the environment) and the vendors' custodial keys,
// which the API creates on demand. New keys are written encrypted (go-ethereum's keystore format) to the
// keystore directory before their address is handed out, so a key is never lost when the process dies;
// files are decrypted lazily, on the first signature, and kept in memory only.
//
// A Ring is both the transaction manager's KeySource and the API's Keys. Keys are never logged: a signer
// formats as its address.
package keyring
