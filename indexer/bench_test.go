package indexer_test

import (
	"flag"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/rahataid/rahat/contracts/bindings"
	"github.com/rahataid/rahat/devchain"
)

var benchEvents = flag.Int("bench.events", 100_000, "Transfer events on the chain BenchmarkBackfill indexes")

// BenchmarkBackfill indexes a chain holding bench.events Transfer events (plus the factory events
// that create their token) into a fresh database per iteration, and reports events/s.
func BenchmarkBackfill(b *testing.B) {
	w := startWorld(b, 1)
	ctx := testCtx(b, 20*time.Minute)
	if err := w.CreateToken(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := w.Chain.Mine(ctx, 1); err != nil {
		b.Fatal(err)
	}
	key := w.Chain.Keys()[0]
	opts, _ := bind.NewKeyedTransactorWithChainID(key, big.NewInt(devchain.ChainID))
	opts.GasLimit = devchain.MaxTxGas
	treasury, _ := bindings.NewRahatTreasury(w.Treasury, w.Client)
	if _, err := treasury.AddTokenOwner(opts, w.Tokens[0], crypto.PubkeyToAddress(key.PublicKey)); err != nil {
		b.Fatal(err)
	}
	if _, err := w.Chain.Mine(ctx, 1); err != nil {
		b.Fatal(err)
	}
	tok, _ := bindings.NewRahatToken(w.Tokens[0], w.Client)
	to := w.Chain.Accounts()
	const rounds = 500
	for made := 0; made < *benchEvents; made += len(to) * rounds {
		if _, err := tok.MintBatchRepeat(opts, to, big.NewInt(1), big.NewInt(rounds)); err != nil {
			b.Fatal(err)
		}
		if _, err := w.Chain.Mine(ctx, 1); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := w.Chain.Mine(ctx, 70); err != nil { // push the events below the finality depth
		b.Fatal(err)
	}
	b.ResetTimer()
	var events float64
	for range b.N {
		b.StopTimer()
		db := pgtestNew(b)
		net := testNetwork(w.Chain, false)
		net.MaxBlockRange, net.Concurrency = 2, 4 // a range per mint block: ranges in flight
		ix := newIndexer(b, db, net, w.Sources("dev"), nil)
		b.StartTimer()
		stop := start(b, ix)
		waitHead(b, ix, w.Chain)
		b.StopTimer()
		if err := stop(); err != nil {
			b.Fatal(err)
		}
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM evt_rahat_token_transfer`).Scan(&n); err != nil {
			b.Fatal(err)
		}
		events += float64(n)
		b.StartTimer()
	}
	b.ReportMetric(events/b.Elapsed().Seconds(), "events/s")
}
