package txmgr

import (
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
)

// TestRejectedUntilFunded: the node refuses a transaction from a key without ether on every
// round: its gas estimate when it moves value, its broadcast when it does not (an estimate costs
// nothing at a zero gas price; a custodial vendor's createClaim is such a call). The transaction
// waits (never lost, never failed), every refusal is counted, but the same refusal is logged as
// a warning once, not every round; once the key is funded the transaction goes through.
func TestRejectedUntilFunded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		value   int64
		waiting State
	}{
		{"estimate refused", 1, StateQueued},
		{"broadcast refused", 0, StateSent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, liveChain)
			poor, err := crypto.GenerateKey()
			if err != nil {
				t.Fatal(err)
			}
			rich := b.keys[1]
			m := newManager(t, b.config(t, rich, poor))
			id := enqueue(t, m, transfer(poor, tt.value, "unfunded"))[0]
			start(t, m)

			refused := m.met.sendErrors.WithLabelValues(addr(poor).Hex())
			eventually(t, "five refusals", func() (bool, error) { return counter(t, refused) >= 5, nil })
			warnings := 0
			for line := range strings.Lines(b.logs.String()) {
				if strings.Contains(line, "level=WARN") && strings.Contains(line, "will retry") && strings.Contains(line, fmt.Sprintf("tx_id=%d ", id)) {
					warnings++
				}
			}
			if warnings != 1 {
				t.Fatalf("%d warnings for %v refusals of the same transaction, want 1", warnings, counter(t, refused))
			}
			if tx, err := m.Get(t.Context(), id); err != nil || tx.State != tt.waiting {
				t.Fatalf("the refused transaction: %+v, %v; want it %s", tx, err, tt.waiting)
			}

			fund := Request{Signer: addr(rich), To: addr(poor), Value: big.NewInt(1e18), Kind: "test", Ref: "fund"}
			wait(t, m, enqueue(t, m, fund)[0], StateFinal)
			if tx := wait(t, m, id, StateFinal); tx.Error != "" {
				t.Fatalf("the funded transaction: %+v", tx)
			}
		})
	}
}
