package main

import (
	"context"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/rahataid/rahat/keyring"
)

// The keyring suite: the vendors' custodial keys with the standard scrypt parameters, as
// `rahat serve` keeps them (sealed under one key-encryption key per database, derived when the
// ring opens), against the keystore JSON that earlier versions stored (one scrypt per key):
//   - creating a vendor's key and storing it (POST /v1/vendors's share);
//   - a vendor's first signature on a replica that has not used the key yet (after a deploy,
//     every vendor's first redemption).
//
// The baseline's keys are written in the old form into the same table; a fresh ring then opens
// them the way it opens any row an earlier version left (and seals them as it goes).
const (
	keyringSealed = 50
	keyringLegacy = 3 // a second of CPU each
)

func keyringSuite() Suite { return Suite{Name: "keyring", Run: runKeyringSuite} }

func runKeyringSuite(ctx context.Context, env *Env) ([]Result, error) {
	pool, _, err := env.NewDatabase(ctx, 4)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	const pass = "bench passphrase"
	open := func() (*keyring.Ring, time.Duration, error) {
		start := time.Now()
		r, err := keyring.Open(ctx, keyring.Options{Passphrase: pass, DB: pool, Logger: env.Log})
		return r, time.Since(start), err
	}
	ring, opened, err := open()
	if err != nil {
		return nil, err
	}

	// Creation, sealed.
	n := env.N(keyringSealed)
	sealed := make([]common.Address, n)
	start := time.Now()
	for i := range sealed {
		if sealed[i], err = ring.NewKey(ctx); err != nil {
			return nil, err
		}
	}
	create := time.Since(start) / time.Duration(n)

	// Creation the old way: a keystore JSON per key, stored in the column earlier versions used.
	legacy := make([]common.Address, keyringLegacy)
	start = time.Now()
	for i := range legacy {
		pk, err := crypto.GenerateKey()
		if err != nil {
			return nil, err
		}
		legacy[i] = crypto.PubkeyToAddress(pk.PublicKey)
		blob, err := keystore.EncryptKey(&keystore.Key{Address: legacy[i], PrivateKey: pk}, pass, keystore.StandardScryptN, keystore.StandardScryptP)
		if err != nil {
			return nil, err
		}
		if _, err := pool.Exec(ctx, `INSERT INTO keyring_keys (address, key_json) VALUES ($1, $2)`, legacy[i].Bytes(), blob); err != nil {
			return nil, err
		}
	}
	createOld := time.Since(start) / keyringLegacy

	// First signatures on a replica that has just opened (its own scrypt, once, is not counted).
	firstSig := func(addrs []common.Address) (time.Duration, error) {
		replica, _, err := open()
		if err != nil {
			return 0, err
		}
		start := time.Now()
		for _, a := range addrs {
			if _, err := replica.Signer(a); err != nil {
				return 0, err
			}
		}
		return time.Since(start) / time.Duration(len(addrs)), nil
	}
	first, err := firstSig(sealed)
	if err != nil {
		return nil, err
	}
	firstOld, err := firstSig(legacy)
	if err != nil {
		return nil, err
	}
	env.Log.Info("keyring: ring opened (one scrypt)", "took", opened.Round(time.Millisecond))

	old := "keystore JSON per key as stored before (scrypt N=2^18 each)"
	return []Result{
		{Name: "vendor key created and stored", Value: ms(create), Unit: "ms/key",
			Baseline: fmt.Sprintf("%s, %d keys", old, keyringLegacy), BaselineValue: ms(createOld),
			Ratio: ms(create) / ms(createOld), Target: "none (reported)", Met: true},
		{Name: "vendor key's first signature on a replica", Value: ms(first), Unit: "ms/key",
			Baseline: fmt.Sprintf("%s, %d keys", old, keyringLegacy), BaselineValue: ms(firstOld),
			Ratio: ms(first) / ms(firstOld), Target: "none (reported)", Met: true},
	}, nil
}
