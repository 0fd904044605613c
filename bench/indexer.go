package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/jackc/pgx/v5"

	"github.com/rahataid/rahat/config"
	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/schema"
	"github.com/rahataid/rahat/store"
	"github.com/rahataid/rahat/workload"
)

// The indexer suite (issue 4): a backfill of a million Transfer events against the two limits it
// cannot beat, fetching the same logs from the same node (A) and COPYing the same rows into an
// equivalent table (B); the indexer's memory; live latency; and depth-10 reorgs (indexer_live.go).
//
// The backfill runs in a child process (this binary re-executed, indexer_child.go), so its peak RSS
// is the indexer's alone and not the dev chain's, which lives in this process and serves both.
// Ranges hold about ixLogsPerGet logs (one block of bulk mints here), as a hosted node's result
// limit would make them; the indexer and baseline A use the same range size and concurrency.
//
// The dev chains run without go-ethereum's log index (devchain.Config.NoLogIndex): on two shared
// cores its background map rendering and its slow path for blocks of thousands of logs made the
// node, not the indexer, dominate the figures (slower eth_getLogs on dense blocks; live p99 and
// reorg times several times higher); an indexer's node normally runs on other cores.
const (
	ixEvents      = 1_000_000
	ixFinality    = 64
	ixConcurrency = indexer.DefaultConcurrency
	ixLogsPerGet  = 10_000 // what hosted nodes allow in one eth_getLogs
	ixChildEnv    = "RAHAT_BENCH_INDEXER_CHILD"
)

func indexerSuite() Suite { return Suite{Name: "indexer", Run: runIndexerSuite} }

// ixRun is the big chain: the deployment, the bulk token and the block range that holds the events.
type ixRun struct {
	env      *Env
	chain    *devchain.Chain
	sources  []config.Source
	addrs    []common.Address
	topics   []common.Hash
	from, to uint64 // start block .. last final block
	size     uint64 // blocks per eth_getLogs range, for the indexer and baseline A alike
}

func runIndexerSuite(ctx context.Context, env *Env) ([]Result, error) {
	r, err := newIxRun(ctx, env)
	if err != nil {
		return nil, err
	}
	defer r.chain.Close()

	// Baseline A runs before and after the backfill, B twice, and the better run counts: the
	// machine is shared, and a baseline is a limit, which a disturbed run underestimates.
	aRate, err := r.fetchBaseline(ctx)
	if err != nil {
		return nil, fmt.Errorf("baseline A: %w", err)
	}
	plain, url, err := r.backfill(ctx, false)
	if err != nil {
		return nil, fmt.Errorf("indexer backfill: %w", err)
	}
	a2, err := r.fetchBaseline(ctx)
	if err != nil {
		return nil, fmt.Errorf("baseline A: %w", err)
	}
	aRate = max(aRate, a2)
	var bRate float64
	for range 2 { // the better of two, like A
		rate, rows, err := r.copyBaseline(ctx, url)
		if err != nil {
			return nil, fmt.Errorf("baseline B: %w", err)
		}
		env.Log.Info("baseline B: bare COPY", "rows", rows, "rows_per_s", int(rate))
		bRate = max(bRate, rate)
	}
	ent, _, err := r.backfill(ctx, true)
	if err != nil {
		return nil, fmt.Errorf("indexer backfill with entities: %w", err)
	}

	limit, limitName := aRate, "bare eth_getLogs fetch (A), logs/s"
	if bRate < aRate {
		limit, limitName = bRate, "bare COPY (B), rows/s"
	}
	limitName = "slower of A and B: " + limitName
	const mb = 1 << 20
	res := []Result{
		{Name: "indexer: baseline A, bare eth_getLogs", Value: aRate, Unit: "logs/s", Baseline: "(baseline)", BaselineValue: aRate, Ratio: 1, Target: "reference", Met: true},
		{Name: "indexer: baseline B, bare COPY", Value: bRate, Unit: "rows/s", Baseline: "(baseline)", BaselineValue: bRate, Ratio: 1, Target: "reference", Met: true},
		ratioResult("indexer: backfill, event tables", plain.rate(), "events/s", limitName, limit, 0.5),
		ratioResult("indexer: backfill, with entities", ent.rate(), "events/s", limitName, limit, 0.5),
		memResult("indexer: backfill peak RSS", float64(plain.PeakRSS)/mb, "RSS before indexing, MB", float64(plain.IdleRSS)/mb),
		memResult("indexer: backfill peak Go heap", float64(plain.PeakHeap)/mb, "RSS before indexing, MB", float64(plain.IdleRSS)/mb),
		memResult("indexer: backfill with entities peak RSS", float64(ent.PeakRSS)/mb, "RSS before indexing, MB", float64(ent.IdleRSS)/mb),
		// As rahat index runs: once the backfill is done, the covering indexes (for the GraphQL
		// API's filtered lists) are built without blocking writes. Not part of the backfill's rate.
		{Name: "indexer: covering indexes built after the backfill with entities", Value: ent.CoveringSeconds, Unit: "s",
			Baseline: "the backfill with entities, s", BaselineValue: ent.Seconds, Ratio: ent.CoveringSeconds / ent.Seconds,
			Target: "none (reported)", Met: true},
	}
	// The big chain's memory would weigh on the garbage collector of this process, which hosts the
	// live indexer next.
	r.chain.Close()
	live, err := runLive(ctx, env)
	if err != nil {
		return nil, fmt.Errorf("live: %w", err)
	}
	return append(res, live...), nil
}

// ratioResult reports a rate against a baseline rate, with a minimum ratio as the target.
func ratioResult(name string, v float64, unit, base string, bv, min float64) Result {
	ratio := v / bv
	return Result{Name: name, Value: v, Unit: unit, Baseline: base, BaselineValue: bv, Ratio: ratio,
		Target: fmt.Sprintf(">= %.1fx the slower baseline", min), Met: ratio >= min}
}

// memResult reports a memory figure against the process's idle footprint, with the 200 MB budget as
// the target.
func memResult(name string, v float64, base string, bv float64) Result {
	return Result{Name: name, Value: v, Unit: "MB", Baseline: base, BaselineValue: bv, Ratio: v / bv,
		Target: "< 200 MB", Met: v < 200}
}

func newIxRun(ctx context.Context, env *Env) (*ixRun, error) {
	chain, err := devchain.Start(ctx, devchain.Config{Logger: slog.New(slog.DiscardHandler), NoLogIndex: true})
	if err != nil {
		return nil, err
	}
	r := &ixRun{env: env, chain: chain}
	if err := r.fill(ctx); err != nil {
		chain.Close()
		return nil, err
	}
	return r, nil
}

// fill deploys the contracts and emits the events, then buries them under the finality depth.
func (r *ixRun) fill(ctx context.Context) error {
	seal := func(ctx context.Context) error { _, err := r.chain.Mine(ctx, 1); return err }
	opts := workload.Options{Seal: seal, Logger: r.env.Log}
	key := r.chain.Keys()[0]
	d, err := workload.Deploy(ctx, r.chain.Client(), key, opts)
	if err != nil {
		return err
	}
	wl, err := workload.New(ctx, r.chain.Client(), d, key, workload.Config{Seed: 1}, opts)
	if err != nil {
		return err
	}
	n := r.env.N(ixEvents)
	bulk, err := wl.Bulk(ctx, n)
	if err != nil {
		return err
	}
	r.env.Log.Info("events emitted", "events", n, "blocks", bulk.ToBlock-bulk.FromBlock+1, "took", bulk.Elapsed.Round(time.Millisecond))
	if _, err := r.chain.Mine(ctx, ixFinality+1); err != nil {
		return err
	}
	r.sources = d.Sources("bench")
	r.from, r.to = d.StartBlock, r.chain.Head().Latest.Number-ixFinality
	// Ranges of about ixLogsPerGet logs, as a hosted node would force on the indexer anyway.
	perBlock := max(1, uint64(n)/(bulk.ToBlock-bulk.FromBlock+1))
	r.size = max(1, ixLogsPerGet/perBlock)
	r.addrs = []common.Address{d.Treasury, d.ProjectFactory, bulk.Token}
	for _, c := range []string{contracts.RahatTreasury, contracts.RahatProjectFactory, contracts.RahatToken} {
		a, err := contracts.ABI(c)
		if err != nil {
			return err
		}
		for _, ev := range a.Events {
			r.topics = append(r.topics, ev.ID)
		}
	}
	return nil
}

func (r *ixRun) network() config.Network {
	return config.Network{Name: "bench", ChainID: devchain.ChainID, RPCURL: r.chain.HTTPURL(), FinalityDepth: ixFinality,
		MaxBlockRange: r.size, Concurrency: ixConcurrency}
}

// fetchBaseline is baseline A: eth_getLogs of the indexed range with the indexer's filter, range
// size and concurrency, decoded into types.Log and dropped. It decodes the response as it streams
// in, as the indexer does (go-ethereum's client, which buffers it whole, is slower).
func (r *ixRun) fetchBaseline(ctx context.Context) (float64, error) {
	var next atomic.Uint64
	next.Store(r.from)
	var total atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, ixConcurrency)
	start := time.Now()
	for range ixConcurrency {
		wg.Go(func() {
			for {
				from := next.Add(r.size) - r.size
				if from > r.to {
					return
				}
				f := map[string]any{"fromBlock": hexutil.Uint64(from), "toBlock": hexutil.Uint64(min(from+r.size-1, r.to)),
					"address": r.addrs, "topics": [][]common.Hash{r.topics}}
				n, err := streamLogs(ctx, r.chain.HTTPURL(), f)
				if err != nil {
					errs <- err
					return
				}
				total.Add(int64(n))
			}
		})
	}
	wg.Wait()
	el := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	rate := float64(total.Load()) / el.Seconds()
	r.env.Log.Info("baseline A: bare eth_getLogs", "logs", total.Load(), "blocks_per_range", r.size,
		"concurrency", ixConcurrency, "logs_per_s", int(rate))
	return rate, nil
}

// streamLogs runs one eth_getLogs and decodes its result into types.Log one log at a time; it
// returns how many there were.
func streamLogs(ctx context.Context, url string, filter any) (int, error) {
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "eth_getLogs", "params": []any{filter}})
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	var logs []types.Log
	for {
		tok, err := dec.Token()
		if err != nil {
			return 0, fmt.Errorf("decoding eth_getLogs response: %w", err)
		}
		switch tok {
		case "error":
			var e json.RawMessage
			_ = dec.Decode(&e)
			return 0, fmt.Errorf("eth_getLogs: %s", e)
		case "result":
			if _, err := dec.Token(); err != nil { // [
				return 0, err
			}
			for dec.More() {
				logs = append(logs, types.Log{})
				if err := dec.Decode(&logs[len(logs)-1]); err != nil {
					return 0, err
				}
			}
			return len(logs), nil
		}
	}
}

// copyBaseline is baseline B: the Transfer rows the indexer wrote, read back from its database,
// COPYed into the same table (same DDL: partitions, keys, indexes) in a fresh database, one COPY per
// indexer range. Only the COPYs are timed.
func (r *ixRun) copyBaseline(ctx context.Context, srcURL string) (float64, int64, error) {
	src, err := store.Open(ctx, srcURL, store.PoolConfig{MaxConns: 2})
	if err != nil {
		return 0, 0, err
	}
	defer src.Close()
	dst, _, err := r.env.NewDatabase(ctx, 2)
	if err != nil {
		return 0, 0, err
	}
	defer dst.Close()
	a, err := contracts.ABI(contracts.RahatToken)
	if err != nil {
		return 0, 0, err
	}
	tables, err := schema.ForContract(contracts.RahatToken, &a)
	if err != nil {
		return 0, 0, err
	}
	var t *schema.Table
	for _, x := range tables {
		if x.Event == "Transfer" {
			t = x
		}
	}
	if t == nil {
		return 0, 0, errors.New("RahatToken has no Transfer table")
	}
	const part = indexer.DefaultPartitionBlocks
	ddl := append(t.CreateSQL(), t.PartitionSQL(0, part), t.PartitionSQL(part, 2*part))
	for _, s := range ddl {
		if _, err := dst.Exec(ctx, s); err != nil {
			return 0, 0, fmt.Errorf("%s: %w", s, err)
		}
	}
	cols := t.ColumnNames()
	sel := fmt.Sprintf("SELECT %s FROM %s WHERE block_number BETWEEN $1 AND $2", quoteAll(cols), t.Identifier().Sanitize())
	var copied int64
	var took time.Duration
	for from := r.from; from <= r.to; from += r.size {
		rows, err := src.Query(ctx, sel, int64(from), int64(min(from+r.size-1, r.to)))
		if err != nil {
			return 0, 0, err
		}
		var batch [][]any
		for rows.Next() {
			v, err := rows.Values()
			if err != nil {
				rows.Close()
				return 0, 0, err
			}
			batch = append(batch, v)
		}
		if err := rows.Err(); err != nil {
			return 0, 0, err
		}
		if len(batch) == 0 {
			continue
		}
		start := time.Now()
		n, err := dst.CopyFrom(ctx, t.Identifier(), cols, pgx.CopyFromRows(batch))
		took += time.Since(start)
		if err != nil {
			return 0, 0, fmt.Errorf("copying blocks %d+: %w", from, err)
		}
		copied += n
	}
	return float64(copied) / took.Seconds(), copied, nil
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = pgx.Identifier{n}.Sanitize()
	}
	return strings.Join(q, ", ")
}
