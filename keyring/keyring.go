package keyring

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/txmgr"
)

// ErrUnknownKey reports an address the ring holds no key for.
var ErrUnknownKey = errors.New("keyring: no key for address")

// Ring is a set of signing keys.
type Ring struct {
	dir  string
	pass string
	ks   *keystore.KeyStore // nil without a keystore directory
	db   *pgxpool.Pool      // keyring_keys; nil: new keys go to the directory
	kek  *kek               // seals keyring_keys; set with db
	log  *slog.Logger

	// kdf runs one scrypt at a time: with the standard parameters each needs 256 MiB and about
	// a second of CPU, and a serve pod's memory limit holds one, not several. Only keystore files
	// and keys stored by earlier versions need one; mu is never held while it is.
	kdf sync.Mutex

	mu     sync.Mutex
	keys   map[common.Address]*ecdsa.PrivateKey // decrypted keys
	files  map[common.Address]accounts.Account  // keys in the keystore, decrypted on first use
	stored map[common.Address]bool              // keys in keyring_keys, decrypted on first use
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
	// DB, when set, holds the keys NewKey creates (keyring_keys), sealed under the database's
	// key-encryption key (keyring_kek, derived from Passphrase once in Open), so that every
	// replica signs for every one and backups keep them; the directory then only provides the
	// fixed keys (operator, OTP server) and the vendor keys written there by earlier versions.
	DB *pgxpool.Pool
	// Logger receives warnings (never a key); nil: discarded.
	Logger *slog.Logger
}

// dbTimeout bounds a read of one key from the database.
const dbTimeout = 10 * time.Second

// Open returns a ring over the keystore directory, the database's keys and the static keys.
func Open(ctx context.Context, opts Options) (*Ring, error) {
	n, p := keystore.StandardScryptN, keystore.StandardScryptP
	if opts.Light {
		n, p = keystore.LightScryptN, keystore.LightScryptP
	}
	r := &Ring{dir: opts.Dir, pass: opts.Passphrase, db: opts.DB,
		log:  cmp.Or(opts.Logger, slog.New(slog.DiscardHandler)),
		keys: map[common.Address]*ecdsa.PrivateKey{}, files: map[common.Address]accounts.Account{}, stored: map[common.Address]bool{}}
	for _, k := range opts.Static {
		r.keys[crypto.PubkeyToAddress(k.PublicKey)] = k
	}
	if (opts.Dir != "" || opts.DB != nil) && opts.Passphrase == "" {
		return nil, errors.New("keyring: the keystore needs a passphrase (RAHAT_KEYSTORE_PASSWORD)")
	}
	if opts.DB != nil {
		k, err := openKEK(ctx, opts.DB, opts.Passphrase, n, p)
		if err != nil {
			return nil, err
		}
		r.kek = k
		rows, _ := opts.DB.Query(ctx, `SELECT address FROM keyring_keys`)
		addrs, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
		if err != nil {
			return nil, fmt.Errorf("keyring: listing the stored keys: %w", err)
		}
		for _, a := range addrs {
			r.stored[common.BytesToAddress(a)] = true
		}
	}
	if opts.Dir == "" {
		return r, nil
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("keyring: creating %s: %w", opts.Dir, err)
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
	seen := map[common.Address]bool{}
	for a := range r.keys {
		seen[a] = true
	}
	for a := range r.files {
		seen[a] = true
	}
	for a := range r.stored {
		seen[a] = true
	}
	out := make([]common.Address, 0, len(seen))
	for a := range seen {
		out = append(out, a)
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
	k, ok := r.keys[addr]
	a, inFile := r.files[addr]
	r.mu.Unlock()
	if ok {
		return k, nil
	}
	// A file known since Open first, then the database (another replica may have created the
	// key there since), then a file another replica may have written since. Loaded without mu:
	// a slow load (a keystore file's scrypt) must not hold up the signers already in memory.
	if !inFile {
		if k, err := r.fromDB(addr); k != nil || err != nil {
			return k, err
		}
		if r.ks != nil {
			r.ks.Accounts() // the keystore may have picked up a file written by another replica
			if r.ks.HasAddress(addr) {
				a, inFile = accounts.Account{Address: addr}, true
			}
		}
		if !inFile {
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
	return r.remember(addr, func() (*ecdsa.PrivateKey, error) { return keystoreKey(addr, blob, r.pass) })
}

// keystoreKey decrypts go-ethereum keystore JSON (a keystore file, or a keyring_keys row written
// before the KEK existed) with its own scrypt, and checks that it holds addr's key.
func keystoreKey(addr common.Address, blob []byte, pass string) (*ecdsa.PrivateKey, error) {
	k, err := keystore.DecryptKey(blob, pass)
	if err != nil {
		return nil, fmt.Errorf("keyring: decrypting the key of %s (wrong passphrase?)", addr.Hex())
	}
	if k.Address != addr {
		return nil, fmt.Errorf("keyring: the key stored for %s is %s's", addr.Hex(), k.Address.Hex())
	}
	return k.PrivateKey, nil
}

// remember runs a slow decryption under kdf, unless another caller has loaded the key meanwhile,
// and keeps its key.
func (r *Ring) remember(addr common.Address, decrypt func() (*ecdsa.PrivateKey, error)) (*ecdsa.PrivateKey, error) {
	r.kdf.Lock()
	defer r.kdf.Unlock()
	r.mu.Lock()
	k, ok := r.keys[addr]
	r.mu.Unlock()
	if ok {
		return k, nil
	}
	k, err := decrypt()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.keys[addr] = k
	r.mu.Unlock()
	return k, nil
}

// fromDB returns the key of addr from keyring_keys, opened; nil without one (or a database). A
// key stored by an earlier version (keystore JSON) is decrypted with its own scrypt and then
// sealed under the KEK in place, so that it costs that once per database, not once per replica.
func (r *Ring) fromDB(addr common.Address) (*ecdsa.PrivateKey, error) {
	if r.db == nil {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	var sealed, legacy []byte
	err := r.db.QueryRow(ctx, `SELECT sealed, key_json FROM keyring_keys WHERE address = $1`, addr.Bytes()).Scan(&sealed, &legacy)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("keyring: reading the key of %s: %w", addr.Hex(), err)
	}
	if sealed != nil {
		k, err := r.kek.openKey(addr, sealed)
		if err != nil {
			return nil, err
		}
		r.mu.Lock()
		r.keys[addr], r.stored[addr] = k, true
		r.mu.Unlock()
		return k, nil
	}
	k, err := r.remember(addr, func() (*ecdsa.PrivateKey, error) { return keystoreKey(addr, legacy, r.pass) })
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.stored[addr] = true
	r.mu.Unlock()
	if err := r.reseal(ctx, k); err != nil {
		// The key is open and kept; the next replica to need it will try again.
		r.log.Warn("keyring: sealing a stored key under the key-encryption key", "address", addr, "err", err)
	}
	return k, nil
}

// reseal replaces a key's keystore JSON with its sealed form.
func (r *Ring) reseal(ctx context.Context, pk *ecdsa.PrivateKey) error {
	sealed, err := r.kek.sealKey(pk)
	if err != nil {
		return err
	}
	_, err = r.db.Exec(ctx, `UPDATE keyring_keys SET sealed = $2, key_json = NULL WHERE address = $1 AND sealed IS NULL`,
		crypto.PubkeyToAddress(pk.PublicKey).Bytes(), sealed)
	return err
}

// NewKey creates a key, stores it encrypted (in the database, else in the keystore directory)
// before anything else learns of it, and returns its address.
func (r *Ring) NewKey(ctx context.Context) (common.Address, error) {
	if r.db != nil {
		return r.newStoredKey(ctx)
	}
	if r.ks == nil {
		return common.Address{}, errors.New("keyring: no keystore directory to create keys in (keys.keystore)")
	}
	r.kdf.Lock()
	a, err := r.ks.NewAccount(r.pass)
	r.kdf.Unlock()
	if err != nil {
		return common.Address{}, fmt.Errorf("keyring: creating a key: %w", err)
	}
	r.mu.Lock()
	r.files[a.Address] = a
	r.mu.Unlock()
	return a.Address, nil
}

// newStoredKey creates a key in keyring_keys, sealed under the KEK.
func (r *Ring) newStoredKey(ctx context.Context) (common.Address, error) {
	pk, err := crypto.GenerateKey()
	if err != nil {
		return common.Address{}, fmt.Errorf("keyring: creating a key: %w", err)
	}
	addr := crypto.PubkeyToAddress(pk.PublicKey)
	sealed, err := r.kek.sealKey(pk)
	if err != nil {
		return common.Address{}, fmt.Errorf("keyring: sealing a new key: %w", err)
	}
	if _, err := r.db.Exec(ctx, `INSERT INTO keyring_keys (address, sealed) VALUES ($1, $2)`, addr.Bytes(), sealed); err != nil {
		return common.Address{}, fmt.Errorf("keyring: storing a new key: %w", err)
	}
	r.mu.Lock()
	r.keys[addr], r.stored[addr] = pk, true
	r.mu.Unlock()
	return addr, nil
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
