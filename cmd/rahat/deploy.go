package main

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/rahataid/rahat/config"
	"github.com/rahataid/rahat/workload"
)

// Environment variables `rahat deploy` reads for its key. They are secrets, so they are not config keys.
const (
	envDeployerKey      = "RAHAT_DEPLOYER_KEY"
	envKeystorePassword = "RAHAT_KEYSTORE_PASSWORD"
)

// deployFlags are the flags of `rahat deploy`.
type deployFlags struct {
	fs           *flag.FlagSet // to read --config, which Command.Run owns
	network      string
	keystore     string
	passwordFile string
	manifest     string
}

func deployCommand() *Command {
	f := &deployFlags{}
	return &Command{
		Name:    "deploy",
		Summary: "deploy the contracts and write their addresses to the manifest",
		Config:  true,
		Flags: func(fs *flag.FlagSet) {
			f.fs = fs
			fs.StringVar(&f.network, "network", "", "name of the network to deploy to (default the first in the config)")
			fs.StringVar(&f.keystore, "keystore", "", "encrypted go-ethereum keystore file of the deployer (password from $"+envKeystorePassword+" or --password-file); without it the hex key in $"+envDeployerKey+" is used")
			fs.StringVar(&f.passwordFile, "password-file", "", "file holding the keystore password")
			fs.StringVar(&f.manifest, "manifest", "", "YAML file whose sources receive the addresses (default the --config file, else rahat.yaml)")
		},
		Exec: func(ctx context.Context, env *Env, cfg config.Config, log *slog.Logger, _ []string) error {
			return runDeploy(ctx, env, cfg, log, f)
		},
	}
}

func runDeploy(ctx context.Context, env *Env, cfg config.Config, log *slog.Logger, f *deployFlags) error {
	network, err := pickNetwork(cfg, f.network)
	if err != nil {
		return err
	}
	key, err := deployerKey(env.Environ, f.keystore, f.passwordFile)
	if err != nil {
		return err
	}
	manifest := f.manifest
	if manifest == "" {
		manifest = "rahat.yaml"
		if c := f.fs.Lookup("config"); c != nil && c.Value.String() != "" {
			manifest = c.Value.String()
		}
	}

	client, err := ethclient.DialContext(ctx, network.RPCURL)
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", network.Name, err)
	}
	defer client.Close()
	id, err := client.ChainID(ctx)
	if err != nil {
		return fmt.Errorf("reading chain id of %s: %w", network.Name, err)
	}
	if !id.IsUint64() || id.Uint64() != network.ChainID {
		return fmt.Errorf("network %s: the node reports chain id %s, the config says %d", network.Name, id, network.ChainID)
	}
	deployer := crypto.PubkeyToAddress(key.PublicKey)
	log.Info("deploying", "network", network.Name, "chain_id", network.ChainID, "deployer", deployer)

	d, err := workload.Deploy(ctx, client, key, workload.Options{Logger: log})
	if err != nil {
		return fmt.Errorf("deploying to %s: %w", network.Name, err)
	}
	if err := writeManifest(manifest, d.Sources(network.Name)); err != nil {
		return err
	}
	log.Info("manifest updated", "file", manifest)
	for _, row := range [][2]string{
		{"network", fmt.Sprintf("%s (chain id %d)", network.Name, d.ChainID)},
		{workload.SourceTreasury, d.Treasury.Hex()},
		{workload.SourceProjectFactory, d.ProjectFactory.Hex()},
		{"start block", fmt.Sprint(d.StartBlock)},
		{"manifest", manifest},
	} {
		fmt.Fprintf(env.Stdout, "%-20s %s\n", row[0], row[1])
	}
	return nil
}

// pickNetwork returns the network called name, or the first one.
func pickNetwork(cfg config.Config, name string) (config.Network, error) {
	if len(cfg.Networks) == 0 {
		return config.Network{}, errors.New("no network configured: add one under networks: in the config")
	}
	n := cfg.Networks[0]
	if name != "" {
		i := -1
		for j, c := range cfg.Networks {
			if c.Name == name {
				i = j
			}
		}
		if i < 0 {
			return config.Network{}, fmt.Errorf("no network named %q in the config", name)
		}
		n = cfg.Networks[i]
	}
	if n.RPCURL == "" {
		return config.Network{}, fmt.Errorf("network %s has no rpc_url (rahat dev deploys to its own chain)", n.Name)
	}
	return n, nil
}

// deployerKey reads the deployer's key from the keystore file, or from the environment. Error messages
// never include key material or the password.
func deployerKey(environ []string, keystoreFile, passwordFile string) (*ecdsa.PrivateKey, error) {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	if keystoreFile == "" {
		hexKey := strings.TrimPrefix(strings.TrimSpace(env[envDeployerKey]), "0x")
		if hexKey == "" {
			return nil, fmt.Errorf("no deployer key: pass --keystore FILE or set %s", envDeployerKey)
		}
		key, err := crypto.HexToECDSA(hexKey)
		if err != nil {
			return nil, fmt.Errorf("%s is not a hex secp256k1 private key", envDeployerKey)
		}
		return key, nil
	}
	password, ok := env[envKeystorePassword]
	if passwordFile != "" {
		b, err := os.ReadFile(passwordFile)
		if err != nil {
			return nil, fmt.Errorf("reading password file: %w", err)
		}
		password, ok = strings.TrimRight(string(b), "\r\n"), true
	}
	if !ok {
		return nil, fmt.Errorf("no keystore password: set %s or pass --password-file", envKeystorePassword)
	}
	blob, err := os.ReadFile(keystoreFile)
	if err != nil {
		return nil, fmt.Errorf("reading keystore: %w", err)
	}
	k, err := keystore.DecryptKey(blob, password)
	if err != nil {
		return nil, fmt.Errorf("decrypting keystore %s: %w", keystoreFile, err)
	}
	return k.PrivateKey, nil
}

// writeManifest puts sources into the YAML file at path (created if missing), keeping its comments, and
// replaces the file atomically.
func writeManifest(path string, sources []config.Source) error {
	doc, err := os.ReadFile(path)
	mode := os.FileMode(0o644)
	switch {
	case errors.Is(err, os.ErrNotExist):
		doc = nil
	case err != nil:
		return fmt.Errorf("reading manifest: %w", err)
	default:
		if st, err := os.Stat(path); err == nil {
			mode = st.Mode().Perm()
		}
	}
	out, err := workload.UpdateManifest(doc, sources)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("writing manifest: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if _, err := tmp.Write(out); err != nil {
		tmp.Close()
		return fmt.Errorf("writing manifest: %w", err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("writing manifest: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing manifest: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replacing manifest: %w", err)
	}
	return nil
}
