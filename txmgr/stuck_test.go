package txmgr

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/rahataid/rahat/devchain"
)

// A transaction that stays unmined for ResendAfter is replaced by one with the same nonce and
// fees at least 12.5% higher; whichever attempt is mined, the transaction is final once, with
// that attempt's hash. Under a FeeCap that leaves no room, it is left alone and counted.
func TestStuckReplaced(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		feeCap   *big.Int // nil: default
		replaced bool
	}{
		{"replaced", nil, true},
		// 1.5 gwei is below the first attempt's ideal fee cap (2 * 1 gwei base fee + tip), so
		// the first attempt already signs the cap and no bump fits under it.
		{"capped", big.NewInt(1_500_000_000), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, devchain.Config{}) // nothing is mined until the test says so
			key := b.keys[1]
			cfg := b.config(t, key)
			cfg.ResendAfter = 200 * time.Millisecond
			cfg.TipCap = big.NewInt(1_000_000_000)
			if tc.feeCap != nil {
				cfg.FeeCap = tc.feeCap
			}
			m := newManager(t, cfg)
			start(t, m)
			ctx := t.Context()

			id := enqueue(t, m, transfer(key, 5, "stuck"))[0]
			if tc.replaced {
				eventually(t, "two replacements", func() (bool, error) {
					tx, err := m.Get(ctx, id)
					return tx.Attempts >= 3, err
				})
			} else {
				eventually(t, "a capped replacement", func() (bool, error) {
					return counter(t, m.met.feeCapped.WithLabelValues(addr(key).Hex())) >= 2, nil
				})
			}
			attempts := readAttempts(t, b, id)
			for i := 1; i < len(attempts); i++ {
				prev, next := attempts[i-1], attempts[i]
				if next.nonce != prev.nonce {
					t.Fatalf("replacement changed the nonce: %+v", attempts)
				}
				for _, pair := range [][2]*big.Int{{prev.tip, next.tip}, {prev.feeCap, next.feeCap}} {
					if min := ceilFrac(pair[0], 9, 8); pair[1].Cmp(min) < 0 {
						t.Fatalf("attempt %d fee %v is below 112.5%% of %v", i+1, pair[1], pair[0])
					}
				}
				if next.feeCap.Cmp(m.cfg.FeeCap) > 0 {
					t.Fatalf("fee cap %v above FeeCap %v", next.feeCap, m.cfg.FeeCap)
				}
			}
			if !tc.replaced && len(attempts) != 1 {
				t.Fatalf("capped transaction has %d attempts", len(attempts))
			}

			// Now let blocks come: exactly one attempt is mined.
			if err := b.chain.SetBlockInterval(100 * time.Millisecond); err != nil {
				t.Fatal(err)
			}
			final := wait(t, m, id, StateFinal)
			var hashes []common.Hash
			for _, a := range readAttempts(t, b, id) {
				hashes = append(hashes, a.hash)
			}
			mined := false
			for _, h := range hashes {
				if h == *final.Hash {
					mined = true
				}
			}
			if !mined {
				t.Fatalf("final hash %s is none of the attempts %v", final.Hash, hashes)
			}
			if n, err := b.client.NonceAt(ctx, addr(key), nil); err != nil || n != 1 {
				t.Fatalf("chain nonce %d, err %v", n, err)
			}
			if got := counter(t, m.met.replacements.WithLabelValues(addr(key).Hex())); (got > 0) != tc.replaced {
				t.Fatalf("replacements counted %v", got)
			}
		})
	}
}

type storedAttempt struct {
	seq         int
	nonce       uint64
	hash        common.Hash
	tip, feeCap *big.Int
}

func readAttempts(t *testing.T, b *bundle, id int64) []storedAttempt {
	t.Helper()
	rows, err := b.db.Query(context.Background(), `
SELECT seq, nonce, hash, gas_tip_cap::text, gas_fee_cap::text FROM txmgr_attempts WHERE tx_id = $1 ORDER BY seq`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []storedAttempt
	for rows.Next() {
		var (
			a           storedAttempt
			nonce       int64
			hash        []byte
			tip, feeCap string
		)
		if err := rows.Scan(&a.seq, &nonce, &hash, &tip, &feeCap); err != nil {
			t.Fatal(err)
		}
		a.nonce, a.hash = uint64(nonce), common.BytesToHash(hash)
		a.tip, _ = new(big.Int).SetString(tip, 10)
		a.feeCap, _ = new(big.Int).SetString(feeCap, 10)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
