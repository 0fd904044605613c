package keyring_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/rahataid/rahat/internal/pgtest"
	"github.com/rahataid/rahat/keyring"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestRing(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "keys")
	static, _ := crypto.GenerateKey()
	r, err := keyring.Open(context.Background(), keyring.Options{Dir: dir, Passphrase: "pw", Light: true, Static: []*ecdsa.PrivateKey{static}})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := r.NewKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// A second ring on the same directory (a restart, or another replica) can sign for the new key.
	if got := r.Addresses(); len(got) != 2 {
		t.Fatalf("addresses %v, want the static key and the new one", got)
	}
	r2, err := keyring.Open(context.Background(), keyring.Options{Dir: dir, Passphrase: "pw", Light: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := r2.Signer(addr)
	if err != nil {
		t.Fatal(err)
	}
	tx := types.NewTx(&types.DynamicFeeTx{ChainID: big.NewInt(1337), Nonce: 1, Gas: 21000, GasFeeCap: big.NewInt(1), GasTipCap: big.NewInt(1)})
	signed, err := s.SignTx(tx, big.NewInt(1337))
	if err != nil {
		t.Fatal(err)
	}
	from, err := types.Sender(types.LatestSignerForChainID(big.NewInt(1337)), signed)
	if err != nil || from != addr {
		t.Fatalf("signed by %s, want %s (%v)", from, addr, err)
	}
	if got := fmt.Sprint(s); !strings.Contains(got, addr.Hex()) || strings.Contains(got, "PrivateKey") {
		t.Fatalf("signer formats as %q", got)
	}
	bad, _ := keyring.Open(context.Background(), keyring.Options{Dir: dir, Passphrase: "wrong", Light: true})
	if _, err := bad.Signer(addr); err == nil {
		t.Fatal("a wrong passphrase decrypted the key")
	}
	if _, err := r.Signer(common.HexToAddress("0x01")); err == nil {
		t.Fatal("an unknown address had a signer")
	}
	if _, err := keyring.Open(context.Background(), keyring.Options{Dir: dir}); err == nil {
		t.Fatal("a keystore without a passphrase opened")
	}
}

// TestStoredKeys: with a database, a new key is stored there, encrypted, before its address is
// handed out: another ring on the same database with its own (empty) directory, as another
// replica or a restarted pod, signs for it and lists it. The stored form never holds the key in
// clear, and a wrong passphrase is a clear error.
func TestStoredKeys(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	open := func(pass string) *keyring.Ring {
		t.Helper()
		r, err := keyring.Open(ctx, keyring.Options{Dir: t.TempDir(), Passphrase: pass, Light: true, DB: db})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b := open("pw"), open("pw") // b opens before the key exists, as a replica already running
	addr, err := a.NewKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.Signer(addr)
	if err != nil {
		t.Fatalf("another replica: %v", err)
	}
	tx := types.NewTx(&types.DynamicFeeTx{ChainID: big.NewInt(1337), Gas: 21000, GasFeeCap: big.NewInt(1), GasTipCap: big.NewInt(1)})
	signed, err := s.SignTx(tx, big.NewInt(1337))
	if err != nil {
		t.Fatal(err)
	}
	if from, err := types.Sender(types.LatestSignerForChainID(big.NewInt(1337)), signed); err != nil || from != addr {
		t.Fatalf("signed by %s, want %s (%v)", from, addr, err)
	}
	if got := open("pw").Addresses(); len(got) != 1 || got[0] != addr {
		t.Fatalf("a restarted ring lists %v, want %s", got, addr)
	}

	var blob []byte
	if err := db.QueryRow(ctx, `SELECT key_json FROM keyring_keys WHERE address = $1`, addr.Bytes()).Scan(&blob); err != nil {
		t.Fatal(err)
	}
	// A keystore file's JSON, which the passphrase opens; the key itself is nowhere in it.
	k, err := keystore.DecryptKey(blob, "pw")
	if err != nil || k.Address != addr {
		t.Fatalf("the stored key: %v (%v)", err, k)
	}
	if strings.Contains(strings.ToLower(string(blob)), hex.EncodeToString(crypto.FromECDSA(k.PrivateKey))) {
		t.Fatal("keyring_keys holds the private key in clear")
	}
	if _, err := open("wrong").Signer(addr); err == nil || !strings.Contains(err.Error(), "wrong passphrase") {
		t.Fatalf("a wrong passphrase: %v", err)
	}
	if _, err := keyring.Open(ctx, keyring.Options{DB: db}); err == nil {
		t.Fatal("a ring on the database opened without a passphrase")
	}
}

// TestConcurrentNewKeys: vendors created at once get distinct keys, all stored (the key
// derivations run one at a time inside the ring).
func TestConcurrentNewKeys(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	r, err := keyring.Open(ctx, keyring.Options{Dir: t.TempDir(), Passphrase: "pw", Light: true, DB: pgtest.New(t)})
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	addrs := make([]common.Address, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { addrs[i], errs[i] = r.NewKey(ctx) })
	}
	wg.Wait()
	seen := map[common.Address]bool{}
	for i, a := range addrs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		seen[a] = true
	}
	if len(seen) != n || len(r.Addresses()) != n {
		t.Fatalf("%d distinct keys, %d listed; want %d", len(seen), len(r.Addresses()), n)
	}
}
