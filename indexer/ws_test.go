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

	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/internal/rpcproxy"
)

// waitUntil polls cond until it holds, failing the test after d.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		select {
		case <-t.Context().Done():
			t.Fatal(t.Context().Err())
		case <-time.After(5 * time.Millisecond): // polling a condition, bounded by the deadline
		}
	}
}

// TestDroppedWebsocket follows a chain whose newHeads websocket goes through a proxy that cuts it
// again and again, sometimes refusing reconnections for a while, while the HTTP side lags a block
// behind now and then, drops a connection now and then, and refuses eth_getLogs ranges over three
// blocks as "more than 10000 results". The indexer must fall back to polling, subscribe again, and miss no block: commits are
// contiguous and the index equals a fresh one.
func TestDroppedWebsocket(t *testing.T) {
	t.Parallel()
	w := startWorld(t, 700)
	ctx := testCtx(t, 3*time.Minute)
	steps(t, ctx, w, 40, 3)
	p := rpcproxy.NewWS(w.Chain.HTTPURL(), w.Chain.WSURL())
	t.Cleanup(p.Close)
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(7, 0x3e5))
	refused, dropped := 0, 0
	p.SetHook(func(r rpcproxy.Request) *rpcproxy.Fault {
		mu.Lock()
		defer mu.Unlock()
		if r.Websocket || r.Index > 0 {
			return nil
		}
		switch k := rng.IntN(100); {
		case k < 3:
			dropped++
			return &rpcproxy.Fault{Drop: true} // the HTTP connection goes too, now and then
		case r.Method == "eth_getLogs":
			if from, to := logsRange(t, r); to-from+1 > 3 {
				refused++
				return &rpcproxy.Fault{Error: &rpcproxy.RPCError{Code: -32005, Message: "query returned more than 10000 results"}}
			}
		case k < 30 && r.Method == "eth_blockNumber":
			// A load-balanced backend one block behind the one that sent the head over the socket.
			b, _ := json.Marshal(hexutil.Uint64(w.Chain.Head().Latest.Number - 1))
			return &rpcproxy.Fault{Result: b}
		case k < 30 && r.Method == "eth_getBlockByNumber" && strings.Contains(string(r.Params[0]), fmt.Sprintf("%#x", w.Chain.Head().Latest.Number)):
			return &rpcproxy.Fault{Result: json.RawMessage("null")}
		}
		return nil
	})

	db := pgtestNew(t)
	net := testNetwork(w.Chain, true)
	net.RPCURL, net.WSURL, net.FinalityDepth, net.MaxBlockRange = p.URL, p.WSURL, 16, 8
	var cmu sync.Mutex
	var commits []indexer.Commit
	ix := newIndexer(t, db, net, w.Sources("dev"), func(c *indexer.Config) {
		c.OnCommit = func(cm indexer.Commit) {
			cmu.Lock()
			commits = append(commits, cm)
			cmu.Unlock()
		}
	})
	start(t, ix)
	waitHead(t, ix, w.Chain)
	waitUntil(t, 30*time.Second, "the newHeads websocket", func() bool { return p.WebsocketsOpen() == 1 })

	drops := 0
	for i := range 15 {
		switch {
		case i%4 == 1:
			// The websocket endpoint goes down for a while: polling must carry on alone.
			p.RefuseWebsockets(true)
			drops += p.DropWebsockets()
			steps(t, ctx, w, 3, 3)
			waitHead(t, ix, w.Chain)
			p.RefuseWebsockets(false)
			waitUntil(t, 30*time.Second, "a new websocket after the outage", func() bool { return p.WebsocketsOpen() == 1 })
		case i%5 == 4:
			if _, err := w.Reorg(ctx, 1+i%4, 2, i); err != nil {
				t.Fatal(err)
			}
			drops += p.DropWebsockets()
		default:
			drops += p.DropWebsockets()
			steps(t, ctx, w, 1+i%3, 3)
		}
		waitHead(t, ix, w.Chain)
	}

	// Cuts at random moments while blocks come quickly.
	stopCutting := make(chan struct{})
	cut := make(chan int)
	go func() {
		n := 0
		tick := time.NewTicker(25 * time.Millisecond) // the pace of the chaos, not synchronisation
		defer tick.Stop()
		for {
			select {
			case <-stopCutting:
				cut <- n
				return
			case <-tick.C:
				n += p.DropWebsockets()
			}
		}
	}()
	for range 30 {
		steps(t, ctx, w, 1, 3)
	}
	close(stopCutting)
	drops += <-cut
	waitHead(t, ix, w.Chain)

	// The subscription is back and delivers heads.
	waitUntil(t, 30*time.Second, "a new websocket", func() bool { return p.WebsocketsOpen() == 1 })
	before := p.Notifications()
	steps(t, ctx, w, 1, 3)
	waitUntil(t, 30*time.Second, "a head over the new websocket", func() bool { return p.Notifications() > before })
	waitHead(t, ix, w.Chain)

	if drops < 10 || p.WebsocketsAccepted() < 10 {
		t.Fatalf("%d websocket connections cut, %d accepted: the test did not exercise reconnection", drops, p.WebsocketsAccepted())
	}
	mu.Lock()
	if refused == 0 || dropped == 0 {
		t.Errorf("%d eth_getLogs ranges refused, %d HTTP connections dropped: want some of both", refused, dropped)
	}
	mu.Unlock()
	cmu.Lock()
	for i := 1; i < len(commits); i++ {
		prev, c := commits[i-1], commits[i]
		want := prev.To + 1
		if c.Reorg != nil {
			want = c.Reorg.Ancestor + 1
		}
		if c.From != want {
			t.Errorf("commit %d covers %d-%d after %d-%d: a gap or overlap", i, c.From, c.To, prev.From, prev.To)
		}
	}
	cmu.Unlock()
	t.Logf("%d websocket cuts, %d connections accepted, %d commits", drops, p.WebsocketsAccepted(), len(commits))
	p.SetHook(nil)
	assertFresh(t, db, w)
}
