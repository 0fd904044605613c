package keyring_test

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/rahataid/rahat/keyring"
)

func TestRing(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "keys")
	static, _ := crypto.GenerateKey()
	r, err := keyring.Open(keyring.Options{Dir: dir, Passphrase: "pw", Light: true, Static: []*ecdsa.PrivateKey{static}})
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
	r2, err := keyring.Open(keyring.Options{Dir: dir, Passphrase: "pw", Light: true})
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
	bad, _ := keyring.Open(keyring.Options{Dir: dir, Passphrase: "wrong", Light: true})
	if _, err := bad.Signer(addr); err == nil {
		t.Fatal("a wrong passphrase decrypted the key")
	}
	if _, err := r.Signer(common.HexToAddress("0x01")); err == nil {
		t.Fatal("an unknown address had a signer")
	}
	if _, err := keyring.Open(keyring.Options{Dir: dir}); err == nil {
		t.Fatal("a keystore without a passphrase opened")
	}
}
