package keyring

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/rahataid/rahat/txmgr"
)

// ErrUnknownKey reports an address the ring holds no key for.
var ErrUnknownKey = errors.New("keyring: no key for address")

// Ring is a set of signing keys.
type Ring struct {
	dir  string
	pass string
	ks   *keystore.KeyStore // nil without a keystore directory

	mu    sync.Mutex
	keys  map[common.Address]*ecdsa.PrivateKey // decrypted keys
	files map[common.Address]accounts.Account  // keys in the keystore, decrypted on first use
}

// Options configures a Ring.
type Options struct {
	// Dir is the keystore directory (created 0700 if missing). Empty: no keystore, NewKey fails.
	Dir string
	// Passphrase decrypts the keystore files and encrypts new ones.
	Passphrase string
	// Light uses the light scrypt parameters (development: fast, weaker).
	Light bool
	// Static are extra keys held in memory only (development keys from the environment).
	Static []*ecdsa.PrivateKey
}

// Open returns a ring over the keystore directory and the static keys.
func Open(opts Options) (*Ring, error) {
	r := &Ring{dir: opts.Dir, pass: opts.Passphrase, keys: map[common.Address]*ecdsa.PrivateKey{}, files: map[common.Address]accounts.Account{}}
	for _, k := range opts.Static {
		r.keys[crypto.PubkeyToAddress(k.PublicKey)] = k
	}
	if opts.Dir == "" {
		return r, nil
	}
	if opts.Passphrase == "" {
		return nil, errors.New("keyring: the keystore needs a passphrase (RAHAT_KEYSTORE_PASSWORD)")
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("keyring: creating %s: %w", opts.Dir, err)
	}
	n, p := keystore.StandardScryptN, keystore.StandardScryptP
	if opts.Light {
		n, p = keystore.LightScryptN, keystore.LightScryptP
	}
	r.ks = keystore.NewKeyStore(opts.Dir, n, p)
	for _, a := range r.ks.Accounts() {
		r.files[a.Address] = a
	}
	return r, nil
}

// Addresses lists every address the ring can sign for, sorted.
func (r *Ring) Addresses() []common.Address {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]common.Address, 0, len(r.keys)+len(r.files))
	for a := range r.keys {
		out = append(out, a)
	}
	for a := range r.files {
		if _, ok := r.keys[a]; !ok {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b common.Address) int { return strings.Compare(a.Hex(), b.Hex()) })
	return out
}

// Signer returns the signer of addr, decrypting its keystore file on first use.
func (r *Ring) Signer(addr common.Address) (txmgr.Signer, error) {
	k, err := r.key(addr)
	if err != nil {
		return nil, err
	}
	return signer{addr: addr, key: k}, nil
}

func (r *Ring) key(addr common.Address) (*ecdsa.PrivateKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if k, ok := r.keys[addr]; ok {
		return k, nil
	}
	a, ok := r.files[addr]
	if !ok {
		if r.ks != nil {
			r.ks.Accounts() // the keystore may have picked up a file written by another replica
			if r.ks.HasAddress(addr) {
				a, ok = accounts.Account{Address: addr}, true
			}
		}
		if !ok {
			return nil, fmt.Errorf("%w %s", ErrUnknownKey, addr.Hex())
		}
	}
	a, err := r.ks.Find(a)
	if err != nil {
		return nil, fmt.Errorf("keyring: finding %s: %w", addr.Hex(), err)
	}
	blob, err := os.ReadFile(a.URL.Path)
	if err != nil {
		return nil, fmt.Errorf("keyring: reading the key of %s: %w", addr.Hex(), err)
	}
	k, err := keystore.DecryptKey(blob, r.pass)
	if err != nil {
		return nil, fmt.Errorf("keyring: decrypting the key of %s (wrong passphrase?)", addr.Hex())
	}
	r.keys[addr] = k.PrivateKey
	return k.PrivateKey, nil
}

// NewKey creates a key, writes it encrypted to the keystore, and returns its address.
func (r *Ring) NewKey(context.Context) (common.Address, error) {
	if r.ks == nil {
		return common.Address{}, errors.New("keyring: no keystore directory to create keys in (keys.keystore)")
	}
	a, err := r.ks.NewAccount(r.pass)
	if err != nil {
		return common.Address{}, fmt.Errorf("keyring: creating a key: %w", err)
	}
	r.mu.Lock()
	r.files[a.Address] = a
	r.mu.Unlock()
	return a.Address, nil
}

// Dir is the keystore directory.
func (r *Ring) Dir() string { return filepath.Clean(r.dir) }

// signer signs with one key; it formats as its address so that it is safe to log.
type signer struct {
	addr common.Address
	key  *ecdsa.PrivateKey
}

func (s signer) Address() common.Address { return s.addr }

func (s signer) SignTx(tx *types.Transaction, chainID *big.Int) (*types.Transaction, error) {
	return types.SignTx(tx, types.LatestSignerForChainID(chainID), s.key)
}

func (s signer) String() string { return "signer(" + s.addr.Hex() + ")" }
