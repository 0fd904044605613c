package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/rahataid/rahat/config"
	"github.com/rahataid/rahat/devchain"
)

// manifestTemplate is a rahat.yaml with comments and a stale source that `rahat deploy` must rewrite.
const manifestTemplate = `# Rahat against a local chain.
log:
  level: warn # quiet tests
networks:
  - name: local # a dev chain
    chain_id: %d
    rpc_url: %s
sources:
  # The treasury creates the tokens.
  - name: RahatTreasury
    network: local
    contract: RahatTreasury
    address: "0x0000000000000000000000000000000000000001" # stale
    start_block: 0
`

// TestDeployCommand runs `rahat deploy` in-process against a dev chain with each way of giving the key,
// and checks the printed and written addresses and that the manifest kept its comments.
func TestDeployCommand(t *testing.T) {
	t.Parallel()
	chain, err := devchain.Start(t.Context(), devchain.Config{AutoMine: true, Accounts: 4,
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { chain.Close() })
	keys := chain.Keys()

	tests := []struct {
		name string
		key  int
		// setup writes whatever the case needs into dir and returns extra args and environment.
		setup func(t *testing.T, dir string, hexKey string) ([]string, []string)
	}{
		{"hex key in the environment", 1, func(t *testing.T, _ string, hexKey string) ([]string, []string) {
			return nil, []string{"RAHAT_DEPLOYER_KEY=0x" + hexKey}
		}},
		{"keystore with a password file", 2, func(t *testing.T, dir string, hexKey string) ([]string, []string) {
			ks := writeKeystore(t, dir, hexKey, "correct horse")
			pw := filepath.Join(dir, "password")
			if err := os.WriteFile(pw, []byte("correct horse\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			return []string{"--keystore", ks, "--password-file", pw}, nil
		}},
		{"keystore with the password in the environment", 3, func(t *testing.T, dir string, hexKey string) ([]string, []string) {
			ks := writeKeystore(t, dir, hexKey, "battery staple")
			return []string{"--keystore", ks}, []string{"RAHAT_KEYSTORE_PASSWORD=battery staple"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			dir := t.TempDir()
			path := filepath.Join(dir, "rahat.yaml")
			if err := os.WriteFile(path, fmt.Appendf(nil, manifestTemplate, devchain.ChainID, chain.HTTPURL()), 0o640); err != nil {
				t.Fatal(err)
			}
			hexKey := hex.EncodeToString(crypto.FromECDSA(keys[tt.key]))
			args, environ := tt.setup(t, dir, hexKey)
			var stdout, stderr bytes.Buffer
			code := Main(ctx, append([]string{"deploy", "--config", path}, args...), &stdout, &stderr, environ)
			if code != 0 {
				t.Fatalf("rahat deploy exited %d:\n%s", code, stderr.String())
			}
			if out := stdout.String() + stderr.String(); strings.Contains(strings.ToLower(out), hexKey) {
				t.Fatal("rahat deploy printed the private key")
			}

			deployer := crypto.PubkeyToAddress(keys[tt.key].PublicKey)
			treasury, factory := crypto.CreateAddress(deployer, 0), crypto.CreateAddress(deployer, 1)
			for _, a := range []string{treasury.Hex(), factory.Hex()} {
				if !strings.Contains(stdout.String(), a) {
					t.Errorf("stdout lacks %s:\n%s", a, stdout.String())
				}
			}
			written, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, keep := range []string{"# Rahat against a local chain.", "level: warn # quiet tests", "- name: local # a dev chain",
				"# The treasury creates the tokens.", "# stale"} {
				if !strings.Contains(string(written), keep) {
					t.Errorf("manifest lost %q:\n%s", keep, written)
				}
			}
			if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o640 {
				t.Errorf("manifest mode changed: %v %v", st.Mode(), err)
			}
			cfg, err := config.Load(path, false, nil, nil)
			if err != nil {
				t.Fatalf("loading the rewritten manifest: %v\n%s", err, written)
			}
			got := map[string]config.Source{}
			for _, s := range cfg.Sources {
				got[s.Name] = s
			}
			if got["RahatTreasury"].Address != treasury.Hex() || got["RahatProjectFactory"].Address != factory.Hex() {
				t.Errorf("manifest sources %+v, want treasury %s and factory %s", cfg.Sources, treasury, factory)
			}
			if f := got["RahatToken"].Factory; f == nil || f.Source != "RahatTreasury" || f.Event != "TokenCreated" || f.Param != "tokenAddress" {
				t.Errorf("RahatToken factory = %+v", f)
			}
			if f := got["RahatProject"].Factory; f == nil || f.Source != "RahatProjectFactory" || f.Event != "ProjectCreated" || f.Param != "projectAddress" {
				t.Errorf("RahatProject factory = %+v", f)
			}
			if start := got["RahatTreasury"].StartBlock; start == 0 || got["RahatProject"].StartBlock != start {
				t.Errorf("start blocks %d and %d", start, got["RahatProject"].StartBlock)
			}
		})
	}
}

// TestDeployCommandErrors checks the refusals that happen before anything is sent.
func TestDeployCommandErrors(t *testing.T) {
	t.Parallel()
	chain, err := devchain.Start(t.Context(), devchain.Config{AutoMine: true, Accounts: 1,
		Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { chain.Close() })
	hexKey := hex.EncodeToString(crypto.FromECDSA(chain.Keys()[0]))
	tests := []struct {
		name, chainID, want string
		args, environ       []string
	}{
		{"no key", "1337", "no deployer key", nil, nil},
		{"bad key", "1337", "RAHAT_DEPLOYER_KEY is not a hex", nil, []string{"RAHAT_DEPLOYER_KEY=zz"}},
		{"no password", "1337", "no keystore password", []string{"--keystore", "/nonexistent"}, nil},
		{"wrong chain", "5", "chain id 1337, the config says 5", nil, []string{"RAHAT_DEPLOYER_KEY=" + hexKey}},
		{"unknown network", "1337", `no network named "x"`, []string{"--network", "x"}, []string{"RAHAT_DEPLOYER_KEY=" + hexKey}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "rahat.yaml")
			doc := fmt.Sprintf("networks:\n  - name: local\n    chain_id: %s\n    rpc_url: %s\n", tt.chainID, chain.HTTPURL())
			if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			code := Main(t.Context(), append([]string{"deploy", "--config", path}, tt.args...), &stdout, &stderr, tt.environ)
			if code != 1 || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr.String(), tt.want)
			}
			if strings.Contains(stderr.String(), hexKey) {
				t.Error("the key was printed")
			}
		})
	}
}

// writeKeystore encrypts the hex key into a keystore file (light scrypt, for speed) and returns its path.
func writeKeystore(t *testing.T, dir, hexKey, password string) string {
	t.Helper()
	key, err := crypto.HexToECDSA(hexKey)
	if err != nil {
		t.Fatal(err)
	}
	blob, err := keystore.EncryptKey(&keystore.Key{Address: crypto.PubkeyToAddress(key.PublicKey), PrivateKey: key},
		password, keystore.LightScryptN, keystore.LightScryptP)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "deployer.json")
	if err := os.WriteFile(path, blob, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
