package keyring

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/crypto/scrypt"
)

// The database's keys are sealed under one key-encryption key (KEK) per database: scrypt of the
// passphrase with the salt and parameters in keyring_kek, derived once when a ring opens (about a
// second and 256 MiB with the standard parameters), instead of one scrypt per vendor key as the
// keystore format does. Each key is then sealed with AES-256-GCM under the KEK, with a random nonce
// and its address as additional data, so that a sealed key cannot be passed off as another
// address's.
const (
	kekSaltLen = 32
	kekLen     = 32 // AES-256
	scryptR    = 8  // as go-ethereum's keystore
)

var (
	// checkText is sealed into keyring_kek when the KEK is created: opening it tells a wrong
	// passphrase at Open instead of at a vendor's first signature.
	checkText = []byte("rahat keyring key-encryption key check")
	checkAD   = []byte("rahat keyring check v1")
	keyAD     = []byte("rahat keyring key v1:")
)

// kek is the open key-encryption key.
type kek struct{ aead cipher.AEAD }

// kekParams is the row of keyring_kek.
type kekParams struct {
	n, r, p     int
	salt, check []byte
}

// querier is what openKEK needs of the pool.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// openKEK derives the database's KEK from the passphrase, creating its parameters on first use
// (replicas starting at once agree on one row). A ring that wants parameters of N and p refuses a
// KEK made with weaker ones (a development database), and a wrong passphrase fails here.
func openKEK(ctx context.Context, db querier, pass string, n, p int) (*kek, error) {
	stored, found, err := readKEK(ctx, db)
	if err != nil {
		return nil, err
	}
	var k *kek
	if !found {
		salt := make([]byte, kekSaltLen)
		if _, err := rand.Read(salt); err != nil {
			return nil, fmt.Errorf("keyring: drawing a salt: %w", err)
		}
		fresh, err := deriveKEK(pass, salt, n, scryptR, p)
		if err != nil {
			return nil, err
		}
		check, err := fresh.seal(checkText, checkAD)
		if err != nil {
			return nil, err
		}
		if _, err := db.Exec(ctx, `
INSERT INTO keyring_kek (id, scrypt_n, scrypt_r, scrypt_p, salt, check_value)
VALUES (true, $1, $2, $3, $4, $5)
ON CONFLICT (id) DO NOTHING`, n, scryptR, p, salt, check); err != nil {
			return nil, fmt.Errorf("keyring: creating the key-encryption key: %w", err)
		}
		if stored, found, err = readKEK(ctx, db); err != nil {
			return nil, err
		}
		if !found {
			return nil, errors.New("keyring: keyring_kek is empty after creating its row")
		}
		if bytes.Equal(stored.salt, salt) {
			k = fresh // ours won; another replica's row needs its own derivation
		}
	}
	if stored.n < n || stored.p < p {
		return nil, fmt.Errorf("keyring: the database's keys are sealed with weaker scrypt parameters (N=%d, p=%d) than this server uses (N=%d, p=%d): a development database?", stored.n, stored.p, n, p)
	}
	if k == nil {
		if k, err = deriveKEK(pass, stored.salt, stored.n, stored.r, stored.p); err != nil {
			return nil, err
		}
	}
	if _, err := k.open(stored.check, checkAD); err != nil {
		return nil, errors.New("keyring: the keystore passphrase does not open the database's keys (wrong RAHAT_KEYSTORE_PASSWORD?)")
	}
	return k, nil
}

// readKEK reads keyring_kek's row, if there is one.
func readKEK(ctx context.Context, db querier) (kekParams, bool, error) {
	var kp kekParams
	err := db.QueryRow(ctx, `SELECT scrypt_n, scrypt_r, scrypt_p, salt, check_value FROM keyring_kek`).
		Scan(&kp.n, &kp.r, &kp.p, &kp.salt, &kp.check)
	if errors.Is(err, pgx.ErrNoRows) {
		return kp, false, nil
	}
	if err != nil {
		return kp, false, fmt.Errorf("keyring: reading the key-encryption key's parameters: %w", err)
	}
	return kp, true, nil
}

// deriveKEK runs scrypt once.
func deriveKEK(pass string, salt []byte, n, r, p int) (*kek, error) {
	key, err := scrypt.Key([]byte(pass), salt, n, r, p, kekLen)
	if err != nil {
		return nil, fmt.Errorf("keyring: deriving the key-encryption key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	return &kek{aead: aead}, nil
}

// seal encrypts plain: a random nonce followed by the ciphertext and its tag.
func (k *kek) seal(plain, ad []byte) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plain)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("keyring: drawing a nonce: %w", err)
	}
	return k.aead.Seal(nonce, nonce, plain, ad), nil
}

// open decrypts what seal returned for the same additional data.
func (k *kek) open(sealed, ad []byte) ([]byte, error) {
	ns := k.aead.NonceSize()
	if len(sealed) < ns+k.aead.Overhead() {
		return nil, errors.New("keyring: sealed value too short")
	}
	return k.aead.Open(nil, sealed[:ns], sealed[ns:], ad)
}

// addressAD binds a sealed private key to its address.
func addressAD(addr common.Address) []byte {
	return append(append([]byte{}, keyAD...), addr.Bytes()...)
}

// sealKey seals a private key for keyring_keys.sealed.
func (k *kek) sealKey(pk *ecdsa.PrivateKey) ([]byte, error) {
	return k.seal(crypto.FromECDSA(pk), addressAD(crypto.PubkeyToAddress(pk.PublicKey)))
}

// openKey opens keyring_keys.sealed for addr and checks that the key is addr's.
func (k *kek) openKey(addr common.Address, sealed []byte) (*ecdsa.PrivateKey, error) {
	plain, err := k.open(sealed, addressAD(addr))
	if err != nil {
		return nil, fmt.Errorf("keyring: the sealed key of %s does not open (tampered with, or sealed for another address)", addr.Hex())
	}
	pk, err := crypto.ToECDSA(plain)
	if err != nil {
		return nil, fmt.Errorf("keyring: the sealed key of %s: %w", addr.Hex(), err)
	}
	if got := crypto.PubkeyToAddress(pk.PublicKey); got != addr {
		return nil, fmt.Errorf("keyring: the key sealed for %s is %s's", addr.Hex(), got.Hex())
	}
	return pk, nil
}
