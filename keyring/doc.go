// Package keyring holds the signing keys of `rahat serve`: fixed keys (the projects' operator and OTP
// server, from an encrypted keystore directory or, in development, the environment) and the vendors'
// custodial keys, which the API creates on demand.
//
// New keys go to Postgres (keyring_keys) when the ring has a database, as `rahat serve` always gives
// it: sealed before the address is handed out, so that a key is never lost when a process or a pod
// dies, every replica signs for every vendor (a key another replica created is read on first use),
// and the database's backups keep them. A key is sealed with AES-256-GCM (its address as additional
// data) under the database's key-encryption key, which is scrypt of the keystore passphrase with
// the salt and parameters in keyring_kek, derived once when the ring opens (seal.go). One scrypt
// per process rather than one per key: with the standard parameters each costs about a second of
// CPU and 256 MiB, which made every vendor's creation, and its first signature on each replica,
// wait that long, one at a time. Keys that earlier versions stored as keystore JSON are still read
// (one scrypt each) and sealed in place on first use. A wrong passphrase fails Open. A serve pod's keystore directory is then read-only in practice (a Kubernetes
// Secret); without a database, new keys are written to the directory as keystore files. Vendor keys
// that earlier versions wrote there are still read from it. Keys are decrypted lazily, on the first
// signature, and kept in memory only.
//
// A Ring is both the transaction manager's KeySource and the API's Keys. Keys are never logged: a signer
// formats as its address.
package keyring
