package txmgr

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
)

// Signer signs transactions for one address. Implementations must never reveal their key through
// String, fmt verbs or slog: the manager logs signers by address only.
type Signer interface {
	Address() common.Address
	SignTx(tx *types.Transaction, chainID *big.Int) (*types.Transaction, error)
}

// KeySource provides the signers the manager may use. Run starts one sender per address.
type KeySource interface {
	// Signer returns the signer of addr, or an error wrapping ErrUnknownSigner.
	Signer(addr common.Address) (Signer, error)
	// Addresses lists the signers' addresses in a stable order.
	Addresses() []common.Address
}

// keySigner holds one unlocked private key. Its methods that format it print the address only.
type keySigner struct {
	addr common.Address
	key  *ecdsa.PrivateKey
}

func (s *keySigner) Address() common.Address { return s.addr }

func (s *keySigner) SignTx(tx *types.Transaction, chainID *big.Int) (*types.Transaction, error) {
	signed, err := types.SignTx(tx, types.LatestSignerForChainID(chainID), s.key)
	if err != nil {
		return nil, fmt.Errorf("signing for %s: %w", s.addr, err)
	}
	return signed, nil
}

// String, GoString, Format and LogValue show the address only, so that a signer passed to a
// logger or a %v by mistake does not print its key.
func (s *keySigner) String() string             { return "signer(" + s.addr.Hex() + ")" }
func (s *keySigner) GoString() string           { return s.String() }
func (s *keySigner) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }
func (s *keySigner) LogValue() slog.Value       { return slog.StringValue(s.addr.Hex()) }

// StaticKeys is a KeySource of private keys held in memory: keys given in code, parsed from hex
// (EnvKeySource) or decrypted from a keystore (KeystoreSource).
type StaticKeys struct {
	signers map[common.Address]*keySigner
	order   []common.Address
}

var _ KeySource = (*StaticKeys)(nil)

// NewStaticKeys returns a source of keys. Duplicates are kept once.
func NewStaticKeys(keys ...*ecdsa.PrivateKey) *StaticKeys {
	s := &StaticKeys{signers: make(map[common.Address]*keySigner, len(keys))}
	for _, k := range keys {
		addr := crypto.PubkeyToAddress(k.PublicKey)
		if _, dup := s.signers[addr]; dup {
			continue
		}
		s.signers[addr] = &keySigner{addr: addr, key: k}
		s.order = append(s.order, addr)
	}
	return s
}

// Signer implements KeySource.
func (s *StaticKeys) Signer(addr common.Address) (Signer, error) {
	if sg, ok := s.signers[addr]; ok {
		return sg, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrUnknownSigner, addr)
}

// Addresses implements KeySource.
func (s *StaticKeys) Addresses() []common.Address { return slices.Clone(s.order) }

// String, GoString and LogValue list the addresses, never the keys.
func (s StaticKeys) String() string {
	parts := make([]string, len(s.order))
	for i, a := range s.order {
		parts[i] = a.Hex()
	}
	return "keys[" + strings.Join(parts, " ") + "]"
}

func (s StaticKeys) GoString() string     { return s.String() }
func (s StaticKeys) LogValue() slog.Value { return slog.StringValue(s.String()) }

// ParseHexKeys parses one or more hex private keys (with or without 0x) separated by commas or
// white space. Errors name the position of a bad key, never its text.
func ParseHexKeys(text string) (*StaticKeys, error) {
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' || r == '\r' })
	if len(fields) == 0 {
		return nil, errors.New("no private key given")
	}
	keys := make([]*ecdsa.PrivateKey, 0, len(fields))
	for i, f := range fields {
		k, err := crypto.HexToECDSA(strings.TrimPrefix(strings.TrimPrefix(f, "0x"), "0X"))
		if err != nil {
			// The parse error could quote the input: report only which key failed.
			return nil, fmt.Errorf("private key #%d is not a valid 32-byte hex secp256k1 key", i+1)
		}
		keys = append(keys, k)
	}
	return NewStaticKeys(keys...), nil
}

// EnvKeySource reads hex private keys from the environment variable name (see ParseHexKeys). It is
// meant for development and tests; production uses KeystoreSource.
func EnvKeySource(name string) (*StaticKeys, error) {
	text, ok := os.LookupEnv(name)
	if !ok || strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("environment variable %s holds no private key", name)
	}
	keys, err := ParseHexKeys(text)
	if err != nil {
		return nil, fmt.Errorf("environment variable %s: %w", name, err)
	}
	return keys, nil
}

// KeystoreSource decrypts go-ethereum keystore files (encrypted JSON, as written by geth account new,
// clef or keystore.StoreKey) with passphrase and keeps the keys unlocked in memory. path is a
// directory, whose regular files not starting with "." are all read, or a single file. Every file
// must decrypt with the passphrase. The passphrase comes from a secret (an environment variable or
// a file the caller reads); it is not kept.
func KeystoreSource(path, passphrase string) (*StaticKeys, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("opening keystore: %w", err)
	}
	files := []string{path}
	if info.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, fmt.Errorf("reading keystore directory: %w", err)
		}
		files = files[:0]
		for _, e := range entries {
			if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("keystore %s holds no key files", path)
	}
	keys := make([]*ecdsa.PrivateKey, 0, len(files))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading key file: %w", err)
		}
		k, err := keystore.DecryptKey(data, passphrase)
		if err != nil {
			return nil, fmt.Errorf("decrypting key file %s: %w", filepath.Base(f), err)
		}
		keys = append(keys, k.PrivateKey)
	}
	return NewStaticKeys(keys...), nil
}
