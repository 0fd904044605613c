package keyring_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
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
	"github.com/jackc/pgx/v5/pgxpool"

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

// TestStoredKeys: with a database, a new key is stored there, sealed, before its address is
// handed out: another ring on the same database with its own (empty) directory, as another
// replica or a restarted pod, signs for it and lists it. The stored form never holds the key in
// clear, and a wrong passphrase is a clear error when the ring opens.
func TestStoredKeys(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	a, b := openRing(t, db, "pw"), openRing(t, db, "pw") // b opens before the key exists, as a replica already running
	addr, err := a.NewKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	signsFor(t, b, addr)
	if got := openRing(t, db, "pw").Addresses(); len(got) != 1 || got[0] != addr {
		t.Fatalf("a restarted ring lists %v, want %s", got, addr)
	}

	var sealed, legacy []byte
	if err := db.QueryRow(ctx, `SELECT sealed, key_json FROM keyring_keys WHERE address = $1`, addr.Bytes()).Scan(&sealed, &legacy); err != nil {
		t.Fatal(err)
	}
	if len(sealed) != 12+32+16 || legacy != nil {
		t.Fatalf("stored as %d sealed bytes and %d of keystore JSON; want a nonce, the key and a tag only", len(sealed), len(legacy))
	}
	if _, err := keyring.Open(ctx, keyring.Options{Dir: t.TempDir(), Passphrase: "wrong", Light: true, DB: db}); err == nil || !strings.Contains(err.Error(), "passphrase") {
		t.Fatalf("a wrong passphrase: %v", err)
	}
	if _, err := keyring.Open(ctx, keyring.Options{DB: db}); err == nil {
		t.Fatal("a ring on the database opened without a passphrase")
	}
}

// TestLegacyStoredKeys: a key that an earlier version stored as keystore JSON still signs, and
// its first use seals it in place, so that the next replica opens it without a scrypt.
func TestLegacyStoredKeys(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	r := openRing(t, db, "pw")
	pk, _ := crypto.GenerateKey()
	addr := crypto.PubkeyToAddress(pk.PublicKey)
	blob, err := keystore.EncryptKey(&keystore.Key{Address: addr, PrivateKey: pk}, "pw", keystore.LightScryptN, keystore.LightScryptP)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `INSERT INTO keyring_keys (address, key_json) VALUES ($1, $2)`, addr.Bytes(), blob); err != nil {
		t.Fatal(err)
	}
	signsFor(t, r, addr)
	var sealed, legacy []byte
	if err := db.QueryRow(ctx, `SELECT sealed, key_json FROM keyring_keys WHERE address = $1`, addr.Bytes()).Scan(&sealed, &legacy); err != nil {
		t.Fatal(err)
	}
	if sealed == nil || legacy != nil {
		t.Fatalf("after its first use: %d sealed bytes, %d of keystore JSON; want it sealed only", len(sealed), len(legacy))
	}
	if bytes.Contains(sealed, crypto.FromECDSA(pk)) {
		t.Fatal("keyring_keys holds the private key in clear")
	}
	signsFor(t, openRing(t, db, "pw"), addr)

	// A row whose keystore JSON is another address's is refused, not signed with.
	other, _ := crypto.GenerateKey()
	blob, err = keystore.EncryptKey(&keystore.Key{Address: crypto.PubkeyToAddress(other.PublicKey), PrivateKey: other}, "pw", keystore.LightScryptN, keystore.LightScryptP)
	if err != nil {
		t.Fatal(err)
	}
	wrong := common.HexToAddress("0x00000000000000000000000000000000000000aa")
	if _, err := db.Exec(ctx, `INSERT INTO keyring_keys (address, key_json) VALUES ($1, $2)`, wrong.Bytes(), blob); err != nil {
		t.Fatal(err)
	}
	if _, err := openRing(t, db, "pw").Signer(wrong); err == nil || !strings.Contains(err.Error(), "is "+crypto.PubkeyToAddress(other.PublicKey).Hex()) {
		t.Fatalf("a key stored under another address: %v", err)
	}
}

// TestSealedKeysBound: a sealed key moved to another address's row does not open, and a ring
// that wants the standard scrypt parameters refuses a database sealed with the light ones.
func TestSealedKeysBound(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	r := openRing(t, db, "pw")
	a, err := r.NewKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.NewKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE keyring_keys SET sealed = (SELECT sealed FROM keyring_keys WHERE address = $1) WHERE address = $2`, a.Bytes(), b.Bytes()); err != nil {
		t.Fatal(err)
	}
	if _, err := openRing(t, db, "pw").Signer(b); err == nil || !strings.Contains(err.Error(), "does not open") {
		t.Fatalf("a's sealed key under b: %v", err)
	}
	signsFor(t, openRing(t, db, "pw"), a)

	_, err = keyring.Open(ctx, keyring.Options{Passphrase: "pw", DB: db}) // the standard parameters
	if err == nil || !strings.Contains(err.Error(), "weaker scrypt parameters") {
		t.Fatalf("a production ring on a development database: %v", err)
	}
}

// TestConcurrentNewKeys: vendors created at once get distinct keys, all stored (the key
// derivations run one at a time inside the ring).
func TestConcurrentNewKeys(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := pgtest.New(t)
	// Replicas starting at once on a fresh database agree on one key-encryption key.
	const n = 8
	rings := make([]*keyring.Ring, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { rings[i], errs[i] = keyring.Open(ctx, keyring.Options{Passphrase: "pw", Light: true, DB: db}) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	r := rings[0]
	addrs := make([]common.Address, n)
	for i := range n {
		wg.Go(func() { addrs[i], errs[i] = rings[i].NewKey(ctx) })
	}
	wg.Wait()
	seen := map[common.Address]bool{}
	for i, a := range addrs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		seen[a] = true
	}
	if len(seen) != n || len(openRing(t, db, "pw").Addresses()) != n {
		t.Fatalf("%d distinct keys, %d listed; want %d", len(seen), len(r.Addresses()), n)
	}
	for _, a := range addrs {
		signsFor(t, r, a) // each sealed by another ring
	}
}

// openRing opens a ring on db with its own empty directory, as a replica.
func openRing(t *testing.T, db *pgxpool.Pool, pass string) *keyring.Ring {
	t.Helper()
	r, err := keyring.Open(t.Context(), keyring.Options{Dir: t.TempDir(), Passphrase: pass, Light: true, DB: db})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// signsFor fails unless r signs a transaction as addr.
func signsFor(t *testing.T, r *keyring.Ring, addr common.Address) {
	t.Helper()
	s, err := r.Signer(addr)
	if err != nil {
		t.Fatalf("signer of %s: %v", addr.Hex(), err)
	}
	tx := types.NewTx(&types.DynamicFeeTx{ChainID: big.NewInt(1337), Gas: 21000, GasFeeCap: big.NewInt(1), GasTipCap: big.NewInt(1)})
	signed, err := s.SignTx(tx, big.NewInt(1337))
	if err != nil {
		t.Fatal(err)
	}
	if from, err := types.Sender(types.LatestSignerForChainID(big.NewInt(1337)), signed); err != nil || from != addr {
		t.Fatalf("signed by %s, want %s (%v)", from, addr, err)
	}
}
