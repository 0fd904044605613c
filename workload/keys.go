package workload

import (
	"crypto/ecdsa"
	"encoding/binary"
	"fmt"

	"github.com/ethereum/go-ethereum/crypto"
)

// keyDomain separates the workload's derived keys from any other derivation scheme.
const keyDomain = "rahat workload key"

// deriveKey returns the key of role number i (e.g. "vendor/2", 5) for a seed. The keys are as public as the
// seed: fine for a workload, never for funds that matter.
func deriveKey(seed int64, role string, i int) *ecdsa.PrivateKey {
	var buf [16]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(seed))
	binary.BigEndian.PutUint32(buf[8:12], uint32(i))
	for retry := uint32(0); ; retry++ {
		binary.BigEndian.PutUint32(buf[12:], retry)
		// A hash that is not a valid secp256k1 scalar (about 1 in 2^128) is skipped by the retry counter.
		if key, err := crypto.ToECDSA(crypto.Keccak256([]byte(keyDomain), []byte(role), buf[:])); err == nil {
			return key
		}
	}
}

// derivedActor returns the actor for role number i, named for logs (never with its key).
func derivedActor(seed int64, role string, i int) *actor {
	return newActor(fmt.Sprintf("%s#%d", role, i), deriveKey(seed, role, i))
}
