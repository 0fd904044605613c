package txmgr

import (
	"crypto/ecdsa"
	"errors"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// growingKeys is a key source that learns keys while the manager runs, as the API's keyring does when
// it creates a vendor's custodial key.
type growingKeys struct {
	mu   sync.Mutex
	keys map[common.Address]*ecdsa.PrivateKey
}

func (g *growingKeys) add(k *ecdsa.PrivateKey) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.keys[crypto.PubkeyToAddress(k.PublicKey)] = k
}

func (g *growingKeys) Addresses() []common.Address {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []common.Address
	for a := range g.keys {
		out = append(out, a)
	}
	return out
}

func (g *growingKeys) Signer(a common.Address) (Signer, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if k, ok := g.keys[a]; ok {
		return NewStaticKeys(k).Signer(a)
	}
	return nil, ErrUnknownSigner
}

// TestSignerAddedWhileRunning enqueues for a key the source learned after Run started: the manager
// adopts it and the transaction becomes final, and a key it still does not know is refused.
func TestSignerAddedWhileRunning(t *testing.T) {
	t.Parallel()
	b := setup(t, liveChain)
	keys := &growingKeys{keys: map[common.Address]*ecdsa.PrivateKey{}}
	keys.add(b.keys[1])
	cfg := b.config(t)
	cfg.Keys = keys
	m := newManager(t, cfg)
	start(t, m)

	if _, err := m.Enqueue(t.Context(), nil, transfer(b.keys[3], 1, "early")); !errors.Is(err, ErrUnknownSigner) {
		t.Fatalf("enqueue for an unknown key: %v, want ErrUnknownSigner", err)
	}
	keys.add(b.keys[3])
	id := enqueue(t, m, transfer(b.keys[3], 777, "vendor-1"))[0]
	tx := wait(t, m, id, StateFinal)
	if tx.Signer != addr(b.keys[3]) || tx.Nonce == nil {
		t.Fatalf("final tx = %+v", tx)
	}
}
