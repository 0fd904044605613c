package indexer_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/config"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/internal/rpcproxy"
)

// logsRange reads fromBlock and toBlock of an eth_getLogs call.
func logsRange(t testing.TB, r rpcproxy.Request) (from, to uint64) {
	var f struct {
		FromBlock hexutil.Uint64 `json:"fromBlock"`
		ToBlock   hexutil.Uint64 `json:"toBlock"`
	}
	if err := json.Unmarshal(r.Params[0], &f); err != nil {
		t.Errorf("decoding eth_getLogs filter: %v", err)
	}
	return uint64(f.FromBlock), uint64(f.ToBlock)
}

func gauge(t testing.TB, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) > 0 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("metric %s not found", name)
	return 0
}

// TestAdaptiveRange makes the node refuse eth_getLogs ranges over a limit, with and without a
// suggested range in the message: the indexer splits, follows the hint, and completes exactly.
func TestAdaptiveRange(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		limit uint64
		msg   func(from, to uint64) string
		want  float64 // the range size the indexer settles on
	}{
		{"geth-hint", 7, func(from, _ uint64) string {
			return fmt.Sprintf("query returned more than 10000 results. Try with this block range [%#x, %#x].", from, from+6)
		}, 7},
		{"alchemy-count", 5, func(_, _ uint64) string {
			return "Log response size exceeded. You can make eth_getLogs requests with up to a 5 block range and no limit on the response size."
		}, 5},
		{"no-hint", 6, func(_, _ uint64) string { return "query returned more than 10000 results" }, 0},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := startWorld(t, uint64(200+i))
			ctx := testCtx(t, 2*time.Minute)
			steps(t, ctx, w, 150, 3)
			p := rpcproxy.New(w.Chain.HTTPURL())
			t.Cleanup(p.Close)
			var mu sync.Mutex
			refused := 0
			p.SetHook(func(r rpcproxy.Request) *rpcproxy.Fault {
				if r.Method != "eth_getLogs" {
					return nil
				}
				from, to := logsRange(t, r)
				if to-from+1 <= tc.limit {
					return nil
				}
				mu.Lock()
				refused++
				mu.Unlock()
				return &rpcproxy.Fault{Error: &rpcproxy.RPCError{Code: -32005, Message: tc.msg(from, to)}}
			})
			db := pgtestNew(t)
			reg := prometheus.NewRegistry()
			net := testNetwork(w.Chain, false)
			net.RPCURL, net.MaxBlockRange, net.FinalityDepth = p.URL, 64, 20
			ix := newIndexer(t, db, net, w.Sources("dev"), func(c *indexer.Config) { c.Registry = reg })
			start(t, ix)
			waitHead(t, ix, w.Chain)
			mu.Lock()
			defer mu.Unlock()
			if refused == 0 {
				t.Fatal("the proxy never refused a range")
			}
			// The gauge shows where the backfill left the size (unfinalised blocks are read by
			// block hash): at the limit, or one growth step above it after a run of successes
			// that no refusal has followed yet.
			step := func(n float64) float64 { return max(float64(int(n)/4), 1) }
			size := gauge(t, reg, "rahat_indexer_range_size_blocks")
			lim := float64(tc.limit)
			if size > lim+step(lim) || (tc.want > 0 && size != tc.want && size != tc.want+step(tc.want)) {
				t.Fatalf("range size %v after refusals over %d blocks (want %v)", size, tc.limit, tc.want)
			}
			assertFresh(t, db, w)
		})
	}
}

// TestFaultyNode puts a node behind the proxy that fails a fraction of calls with 429s, 5xx,
// timeouts and JSON-RPC errors, and that lags a block behind (a load balancer) half of the time,
// while the chain grows and reorganises. The index must still end up exact.
func TestFaultyNode(t *testing.T) {
	t.Parallel()
	w := startWorld(t, 300)
	ctx := testCtx(t, 3*time.Minute)
	steps(t, ctx, w, 60, 3)
	p := rpcproxy.New(w.Chain.HTTPURL())
	t.Cleanup(p.Close)
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	p.SetHook(func(r rpcproxy.Request) *rpcproxy.Fault {
		mu.Lock()
		defer mu.Unlock()
		if r.Index > 0 {
			return nil // faults hit whole HTTP requests, as a rate limiter or load balancer does
		}
		switch k := rng.IntN(100); {
		case k < 4:
			return &rpcproxy.Fault{Status: 429, Body: "Too Many Requests"}
		case k < 8:
			return &rpcproxy.Fault{Status: 503, Body: "upstream unavailable"}
		case k < 10:
			return &rpcproxy.Fault{Delay: 400 * time.Millisecond} // over the request timeout
		case k < 13:
			return &rpcproxy.Fault{Error: &rpcproxy.RPCError{Code: -32000, Message: "internal error"}}
		case k < 50 && r.Method == "eth_blockNumber":
			// A lagging backend: a head one block behind.
			n := w.Chain.Head().Latest.Number
			b, _ := json.Marshal(hexutil.Uint64(n - 1))
			return &rpcproxy.Fault{Result: b}
		case k < 50 && r.Method == "eth_getBlockByNumber" && strings.Contains(string(r.Params[0]), fmt.Sprintf("%#x", w.Chain.Head().Latest.Number)):
			return &rpcproxy.Fault{Result: json.RawMessage("null")} // it does not have the newest block yet
		}
		return nil
	})
	db := pgtestNew(t)
	net := testNetwork(w.Chain, false)
	net.RPCURL = p.URL
	net.RequestTimeout = config.Duration(300 * time.Millisecond)
	ix := newIndexer(t, db, net, w.Sources("dev"), func(c *indexer.Config) { c.MaxRetries = 20 })
	start(t, ix)
	for i := range 15 {
		steps(t, ctx, w, 1+i%3, 3)
		if i%5 == 4 {
			if _, err := w.Reorg(ctx, 1+i%7, 2, i); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitHead(t, ix, w.Chain)
	p.SetHook(nil)
	assertFresh(t, db, w)
}
