package indexer_test

import (
	"context"
	"encoding/json"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/internal/rpcproxy"
)

// omitFreshBlocks makes the proxy answer eth_getLogs block ranges the way go-ethereum's log index
// (v1.16+, "filtermaps") sometimes does for blocks it has just indexed: the logs of a recent, busy
// block are missing from the answer, while the block's header, hash and receipts are right and
// eth_getLogs by blockHash returns them. Ranges are answered by the node, then the logs of every
// block among the newest 8 of the chain that holds at least 100 matching logs are dropped. It
// returns how many blocks were dropped so far.
//
// The real dev chain did this under load, to several concurrent clients at once, for a moment:
// blocks of 500 to 3,500 logs, up to 8 below the head, came back empty from ranges that covered
// them while the same query by hash returned every log. An indexer that committed such an answer
// lost the block for good: five allocateTokensBatch of 500 in one block is how ent_beneficiaries
// came to hold allocation 0 for beneficiaries #2500 on in api's TestLargeDistribution.
func omitFreshBlocks(t testing.TB, p *rpcproxy.Proxy, d *distChain) func() int {
	var mu sync.Mutex
	dropped := map[uint64]bool{}
	p.SetHook(func(r rpcproxy.Request) *rpcproxy.Fault {
		if r.Method != "eth_getLogs" || r.Batch || len(r.Params) != 1 {
			return nil
		}
		var f struct {
			FromBlock *hexutil.Uint64 `json:"fromBlock"`
			ToBlock   *hexutil.Uint64 `json:"toBlock"`
		}
		if err := json.Unmarshal(r.Params[0], &f); err != nil || f.FromBlock == nil || f.ToBlock == nil {
			return nil // by block hash: answered from the block's receipts, never from the index
		}
		head := d.chain.Head().Latest.Number
		var logs []json.RawMessage
		if err := d.client.Client().CallContext(context.Background(), &logs, "eth_getLogs", r.Params[0]); err != nil {
			return &rpcproxy.Fault{Error: &rpcproxy.RPCError{Code: -32000, Message: err.Error()}}
		}
		blockOf := make([]uint64, len(logs))
		per := map[uint64]int{}
		for i, l := range logs {
			var hdr struct {
				BlockNumber hexutil.Uint64 `json:"blockNumber"`
			}
			if err := json.Unmarshal(l, &hdr); err != nil {
				t.Errorf("decoding a log: %v", err)
				return nil
			}
			blockOf[i] = uint64(hdr.BlockNumber)
			per[blockOf[i]]++
		}
		kept := make([]json.RawMessage, 0, len(logs))
		mu.Lock()
		for i, l := range logs {
			if n := blockOf[i]; n+8 > head && per[n] >= 100 {
				dropped[n] = true
				continue
			}
			kept = append(kept, l)
		}
		mu.Unlock()
		res, err := json.Marshal(kept)
		if err != nil {
			t.Errorf("encoding logs: %v", err)
			return nil
		}
		return &rpcproxy.Fault{Result: res}
	})
	return func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(dropped)
	}
}

// TestFreshBlockLogsOmitted indexes a distribution live through a node whose eth_getLogs ranges
// omit recent busy blocks (omitFreshBlocks): the unfinalised path must not trust a range answer to
// be complete. Every allocation must be indexed and every entity must match the chain.
func TestFreshBlockLogsOmitted(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t, 3*time.Minute)
	d := startDistChain(t, ctx, devchain.Config{AutoMine: true}, big.NewInt(1e12))
	p := rpcproxy.New(d.chain.HTTPURL())
	t.Cleanup(p.Close)
	dropped := omitFreshBlocks(t, p, d)
	db := pgtestNew(t)
	ix := d.entityIndexer(t, db, func(c *indexer.Config) { c.Network.RPCURL = p.URL })
	start(t, ix)
	waitIndexedHead(t, ix, d)

	const n = 3_000
	bens, amounts := distAddresses(2, n), distAmounts(n)
	from := d.chain.Head().Latest.Number + 1
	d.send(t, ctx, distPlan(bens, amounts, distAddChunk, distAllocChunk), 64)
	head := waitIndexedHead(t, ix, d)
	// The faulty node must really omit the newest busy blocks from a range, else the test proves
	// nothing: ask it as a range-reading indexer would.
	pc, err := ethclient.DialContext(ctx, p.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	seen, err := pc.FilterLogs(ctx, ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(from),
		ToBlock: new(big.Int).SetUint64(head), Addresses: []common.Address{d.proj.Project}})
	if err != nil {
		t.Fatal(err)
	}
	if dropped() == 0 || len(seen) >= 2*n {
		t.Fatalf("the node omitted no block (%d logs of %d): the test proves nothing", len(seen), 2*n)
	}
	assertAllocations(t, ctx, db, d, from, bens, amounts)
	assertEntitiesMatchChain(t, ctx, db, d.client, head)
	t.Logf("%d busy blocks omitted from eth_getLogs ranges; %d eth_getLogs calls", dropped(), p.Calls("eth_getLogs"))
}
