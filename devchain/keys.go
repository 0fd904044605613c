package devchain

import (
	"crypto/ecdsa"
	"encoding/binary"
	"maps"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
)

// keySeed is the fixed seed of the dev keys. Changing it changes every dev address, and with them
// every contract address a deployment on the dev chain produces, so it never changes.
const keySeed = "rahat devchain account"

// DevKeys returns the first n deterministic dev keys. Key i is derived from a fixed seed and i
// alone, so the same index gives the same address in every run and every process: a tool that
// talks to `rahat chain` over JSON-RPC can call DevKeys to get the keys the chain funded.
// The keys are public knowledge; never fund them on a real network.
func DevKeys(n int) []*ecdsa.PrivateKey {
	keys := make([]*ecdsa.PrivateKey, 0, max(n, 0))
	for i := range max(n, 0) {
		keys = append(keys, devKey(uint32(i)))
	}
	return keys
}

// devKey derives key i. The retry counter covers the negligible chance that a hash is not a valid
// secp256k1 scalar.
func devKey(i uint32) *ecdsa.PrivateKey {
	var buf [8]byte
	binary.BigEndian.PutUint32(buf[:4], i)
	for retry := uint32(0); ; retry++ {
		binary.BigEndian.PutUint32(buf[4:], retry)
		key, err := crypto.ToECDSA(crypto.Keccak256([]byte(keySeed), buf[:]))
		if err == nil {
			return key
		}
	}
}

// genesisAlloc funds the dev accounts on top of the system contracts the dev chain's forks need
// from genesis (beacon roots, history storage, withdrawal and consolidation request queues).
func genesisAlloc(keys []*ecdsa.PrivateKey, balance *big.Int) types.GenesisAlloc {
	alloc := core.SystemContractAllocs()
	funded := make(types.GenesisAlloc, len(keys))
	for _, key := range keys {
		funded[crypto.PubkeyToAddress(key.PublicKey)] = types.Account{Balance: new(big.Int).Set(balance)}
	}
	maps.Copy(alloc, funded)
	return alloc
}

// addresses returns the addresses of keys.
func addresses(keys []*ecdsa.PrivateKey) []common.Address {
	out := make([]common.Address, len(keys))
	for i, key := range keys {
		out[i] = crypto.PubkeyToAddress(key.PublicKey)
	}
	return out
}
