package main

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ethereum/go-ethereum/crypto"
)

// secrets are what `rahat serve` reads from the environment and never from rahat.yaml or a log.
type secrets struct {
	JWT          []byte // RAHAT_JWT_SECRET: HS256 secret (optional when a JWKS is configured)
	PhoneHashKey []byte // RAHAT_PHONE_HASH_KEY: hex, >= 32 bytes
	PhoneEncKey  []byte // RAHAT_PHONE_ENC_KEY: hex, 32 bytes
	TwilioToken  string // RAHAT_SMS_TWILIO_AUTH_TOKEN
	KeystorePass string // RAHAT_KEYSTORE_PASSWORD
	HexKeys      []*ecdsa.PrivateKey
}

func getenv(environ []string, name string) string {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}

// loadSecrets reads the secrets from the environment. hexEnv names the variable with development keys.
func loadSecrets(environ []string, hexEnv string) (secrets, error) {
	var s secrets
	var err error
	s.JWT = []byte(getenv(environ, "RAHAT_JWT_SECRET"))
	if s.PhoneHashKey, err = hexSecret(environ, "RAHAT_PHONE_HASH_KEY"); err != nil {
		return s, err
	}
	if s.PhoneEncKey, err = hexSecret(environ, "RAHAT_PHONE_ENC_KEY"); err != nil {
		return s, err
	}
	s.TwilioToken = getenv(environ, "RAHAT_SMS_TWILIO_AUTH_TOKEN")
	s.KeystorePass = getenv(environ, "RAHAT_KEYSTORE_PASSWORD")
	if hexEnv != "" {
		for i, h := range strings.FieldsFunc(getenv(environ, hexEnv), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
			k, err := crypto.HexToECDSA(strings.TrimPrefix(h, "0x"))
			if err != nil {
				return s, fmt.Errorf("%s: key %d is not a hex private key", hexEnv, i+1) // never echo the value
			}
			s.HexKeys = append(s.HexKeys, k)
		}
	}
	return s, nil
}

func hexSecret(environ []string, name string) ([]byte, error) {
	v := getenv(environ, name)
	if v == "" {
		return nil, nil
	}
	b, err := hex.DecodeString(strings.TrimPrefix(v, "0x"))
	if err != nil || len(b) < 32 {
		return nil, fmt.Errorf("%s must be at least 32 bytes of hex", name)
	}
	return b, nil
}

// devSecrets fills the secrets `rahat dev` needs and the environment lacks with random values kept in
// state_dir/dev-secrets.json (mode 0600), so that phone hashes stay valid across runs.
func devSecrets(stateDir string, s secrets) (secrets, error) {
	path := filepath.Join(stateDir, "dev-secrets.json")
	var stored struct{ JWT, PhoneHash, PhoneEnc, Keystore string }
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &stored); err != nil {
			return s, fmt.Errorf("%s is damaged (delete it to start afresh): %w", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return s, err
	}
	gen := func(v *string) []byte {
		if *v == "" {
			b := make([]byte, 32)
			rand.Read(b)
			*v = hex.EncodeToString(b)
		}
		b, _ := hex.DecodeString(*v)
		return b
	}
	jwt, ph, pe, ks := gen(&stored.JWT), gen(&stored.PhoneHash), gen(&stored.PhoneEnc), gen(&stored.Keystore)
	if len(s.JWT) == 0 {
		s.JWT = []byte(hex.EncodeToString(jwt))
	}
	if s.PhoneHashKey == nil {
		s.PhoneHashKey = ph
	}
	if s.PhoneEncKey == nil {
		s.PhoneEncKey = pe
	}
	if s.KeystorePass == "" {
		s.KeystorePass = hex.EncodeToString(ks)
	}
	b, _ := json.Marshal(stored)
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return s, err
	}
	return s, os.WriteFile(path, b, 0o600)
}
