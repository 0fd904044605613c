package txmgr

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crypto/ecdsa"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/rahataid/rahat/devchain"
)

func TestKeystoreSource(t *testing.T) {
	t.Parallel()
	keys := devchain.DevKeys(3)[1:]
	dir := t.TempDir()
	for i, k := range keys {
		js, err := keystore.EncryptKey(&keystore.Key{Address: addr(k), PrivateKey: k}, "s3cret", keystore.LightScryptN, keystore.LightScryptP)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("key%d.json", i)), js, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, ".hidden"), []byte("ignored"), 0o600); err != nil {
		t.Fatal(err)
	}

	src, err := KeystoreSource(dir, "s3cret")
	if err != nil {
		t.Fatalf("KeystoreSource: %v", err)
	}
	if got := src.Addresses(); len(got) != 2 || got[0] != addr(keys[0]) || got[1] != addr(keys[1]) {
		t.Fatalf("addresses %v", got)
	}
	single, err := KeystoreSource(filepath.Join(dir, "key1.json"), "s3cret")
	if err != nil || len(single.Addresses()) != 1 || single.Addresses()[0] != addr(keys[1]) {
		t.Fatalf("single file: %v, %v", single, err)
	}
	// The signer signs for its address.
	s, err := src.Signer(addr(keys[0]))
	if err != nil {
		t.Fatal(err)
	}
	chainID := big.NewInt(devchain.ChainID)
	tx, err := s.SignTx(types.NewTx(&types.DynamicFeeTx{ChainID: chainID, Gas: 21000, GasFeeCap: big.NewInt(1), GasTipCap: big.NewInt(1)}), chainID)
	if err != nil {
		t.Fatal(err)
	}
	if from, err := types.Sender(types.LatestSignerForChainID(chainID), tx); err != nil || from != addr(keys[0]) {
		t.Fatalf("signed by %s, %v", from, err)
	}

	_, err = KeystoreSource(dir, "wrong")
	if err == nil || strings.Contains(err.Error(), "wrong") || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if _, err := src.Signer(addr(devchain.DevKeys(5)[4])); !errors.Is(err, ErrUnknownSigner) {
		t.Fatalf("unknown signer: %v", err)
	}
}

func TestEnvKeySource(t *testing.T) { // not parallel: it sets the environment
	keys := devchain.DevKeys(3)[1:]
	hexes := []string{"0x" + hex.EncodeToString(crypto.FromECDSA(keys[0])), hex.EncodeToString(crypto.FromECDSA(keys[1]))}
	const env = "RAHAT_TXMGR_TEST_KEYS"
	t.Setenv(env, hexes[0]+", "+hexes[1])
	src, err := EnvKeySource(env)
	if err != nil {
		t.Fatal(err)
	}
	if got := src.Addresses(); len(got) != 2 || got[0] != addr(keys[0]) || got[1] != addr(keys[1]) {
		t.Fatalf("addresses %v", got)
	}

	// A malformed key is reported by position, never echoed.
	bad := hexes[1][:60] + "zz"
	t.Setenv(env, hexes[0]+","+bad)
	_, err = EnvKeySource(env)
	if err == nil || !strings.Contains(err.Error(), "#2") || strings.Contains(err.Error(), hexes[1][:20]) {
		t.Fatalf("malformed key: %v", err)
	}
	t.Setenv(env, "")
	if _, err := EnvKeySource(env); err == nil {
		t.Fatal("empty variable accepted")
	}
}

// Signers and key sources print addresses only, whatever a careless log line does with them.
func TestKeysNeverPrinted(t *testing.T) {
	t.Parallel()
	key := devchain.DevKeys(2)[1]
	src := NewStaticKeys(key)
	signer, err := src.Signer(addr(key))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Info("careless", "signer", signer, "source", src, "any", any(signer))
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("careless", "signer", signer, "source", src)
	fmt.Fprintf(&buf, "%v %+v %#v %s %x %d\n", signer, signer, signer, signer, signer, signer)
	fmt.Fprintf(&buf, "%v %+v %#v %s\n", src, src, src, *src)
	assertNoKeys(t, buf.String(), []*ecdsa.PrivateKey{key})
	if !strings.Contains(strings.ToLower(buf.String()), strings.ToLower(addr(key).Hex()[2:])) {
		t.Fatalf("the address should be visible: %s", buf.String())
	}
}
