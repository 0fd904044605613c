package devchain

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/rahataid/rahat/internal/evmtest"
)

// Shape of the benchmark chain: benchBlocks blocks after the deployment, each with one
// transaction emitting benchLogsPerBlock Ping logs (100,000 logs in all).
const (
	benchBlocks       = 250
	benchLogsPerBlock = 400
)

// meter reports throughput and, because wall time on a shared machine says little, the process
// CPU time (node and client together, they share the process) per log.
type meter struct {
	start time.Time
	cpu   time.Duration
}

func startMeter() meter { return meter{start: time.Now(), cpu: cpuTime()} }

func (m meter) report(b *testing.B, logs int) {
	b.ReportMetric(float64(logs)/time.Since(m.start).Seconds(), "logs/s")
	b.ReportMetric(float64(cpuTime()-m.cpu)/float64(logs), "cpu-ns/log")
}

// cpuTime returns the user and system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkGetLogs measures eth_getLogs throughput over HTTP, in logs/s, for the access patterns
// an indexer's backfill can choose between: range size, sequential or concurrent requests,
// JSON-RPC batches, decoding into types.Log or keeping raw JSON; with and without go-ethereum's
// log index. Run: go test ./devchain -run '^$' -bench GetLogs -benchtime 3x
func BenchmarkGetLogs(b *testing.B) {
	for _, index := range []bool{false, true} {
		b.Run(fmt.Sprintf("logindex=%v", index), func(b *testing.B) {
			ctx := context.Background()
			c := startChain(b, Config{NoLogIndex: !index})
			ping, last := fillLogs(b, ctx, c)
			rc, ec := dial(b, c.HTTPURL())
			// go-ethereum gzips responses for clients that accept it (Go's default transport
			// does); on localhost that is pure CPU, so compare with compression off.
			plainTransport := http.DefaultTransport.(*http.Transport).Clone()
			plainTransport.DisableCompression = true
			plain, err := rpc.DialOptions(ctx, c.HTTPURL(), rpc.WithHTTPClient(&http.Client{Transport: plainTransport}))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() {
				plain.Close()
				plainTransport.CloseIdleConnections()
			})
			total := benchBlocks * benchLogsPerBlock
			first := last - benchBlocks + 1

			// fetch reads [first, last] in chunks of size blocks with workers goroutines and
			// returns the number of logs received.
			fetch := func(size uint64, workers int, raw, gzip bool) (int, error) {
				rc, ec := rc, ec
				if !gzip {
					rc, ec = plain, ethclient.NewClient(plain)
				}
				var (
					mu    sync.Mutex
					count int
					ferr  error
					next  = first
				)
				var wg sync.WaitGroup
				for range workers {
					wg.Go(func() {
						for {
							mu.Lock()
							from := next
							next += size
							mu.Unlock()
							if from > last {
								return
							}
							to := min(from+size-1, last)
							var n int
							var err error
							if raw {
								var msgs []json.RawMessage
								err = rc.CallContext(ctx, &msgs, "eth_getLogs", map[string]any{
									"fromBlock": hexutil.EncodeUint64(from), "toBlock": hexutil.EncodeUint64(to),
									"address": ping,
								})
								n = len(msgs)
							} else {
								logs, lerr := ec.FilterLogs(ctx, ethereum.FilterQuery{
									FromBlock: new(big.Int).SetUint64(from), ToBlock: new(big.Int).SetUint64(to),
									Addresses: []common.Address{ping},
								})
								n, err = len(logs), lerr
							}
							mu.Lock()
							count += n
							if err != nil && ferr == nil {
								ferr = fmt.Errorf("eth_getLogs %d-%d: %w", from, to, err)
							}
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				return count, ferr
			}
			// Warm up: with the index on, let the indexer catch up before measuring.
			for range 3 {
				if n, err := fetch(benchBlocks, 1, true, false); err != nil || n != total {
					b.Fatalf("warm-up fetched %d logs, %v; want %d", n, err, total)
				}
			}
			run := func(name string, size uint64, workers int, raw, gzip bool) {
				b.Run(name, func(b *testing.B) {
					m := startMeter()
					iters := 0
					for b.Loop() {
						n, err := fetch(size, workers, raw, gzip)
						if err != nil || n != total {
							b.Fatalf("fetched %d logs, %v; want %d", n, err, total)
						}
						iters++
					}
					m.report(b, total*iters)
				})
			}
			for _, size := range []uint64{10, 50, benchBlocks} {
				run(fmt.Sprintf("range=%d/seq/decoded/gzip", size), size, 1, false, true)
			}
			run("range=50/seq/decoded/plain", 50, 1, false, false)
			run("range=50/seq/raw/gzip", 50, 1, true, true)
			run("range=50/seq/raw/plain", 50, 1, true, false)
			run(fmt.Sprintf("range=%d/seq/raw/plain", benchBlocks), benchBlocks, 1, true, false)
			run("range=50/4workers/decoded/plain", 50, 4, false, false)
			run("range=50/4workers/raw/plain", 50, 4, true, false)
			// go-ethereum caps a batch response at 25 MB (about 45,000 of these logs), so each
			// batch asks for 10 ranges of 5 blocks.
			b.Run("range=5/batch10/raw/plain", func(b *testing.B) {
				m := startMeter()
				iters := 0
				for b.Loop() {
					n := 0
					for from := first; from <= last; from += 50 {
						batch := make([]rpc.BatchElem, 0, 10)
						results := make([][]json.RawMessage, 10)
						for i := range uint64(10) {
							lo := from + 5*i
							if lo > last {
								break
							}
							batch = append(batch, rpc.BatchElem{Method: "eth_getLogs", Result: &results[i], Args: []any{map[string]any{
								"fromBlock": hexutil.EncodeUint64(lo), "toBlock": hexutil.EncodeUint64(min(lo+4, last)), "address": ping,
							}}})
						}
						if err := plain.BatchCallContext(ctx, batch); err != nil {
							b.Fatal(err)
						}
						for i, el := range batch {
							if el.Error != nil {
								b.Fatal(el.Error)
							}
							n += len(results[i])
						}
					}
					if n != total {
						b.Fatalf("batches fetched %d logs, want %d", n, total)
					}
					iters++
				}
				m.report(b, total*iters)
			})
		})
	}
}

// fillLogs deploys the ping contract and seals benchBlocks blocks of benchLogsPerBlock logs each.
// It returns the contract and the last block number.
func fillLogs(b *testing.B, ctx context.Context, c *Chain) (common.Address, uint64) {
	b.Helper()
	key := c.Keys()[0]
	ec := c.Client()
	deploy := signTx(b, key, 0, nil, evmtest.PingInitCode(), 200_000)
	if err := ec.SendTransaction(ctx, deploy); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Mine(ctx, 1); err != nil {
		b.Fatal(err)
	}
	ping := crypto.CreateAddress(crypto.PubkeyToAddress(key.PublicKey), 0)
	gas := uint64(60_000 + evmtest.PingGasPerLog*benchLogsPerBlock)
	for i := range uint64(benchBlocks) {
		if err := ec.SendTransaction(ctx, signTx(b, key, i+1, &ping, evmtest.PingCall(benchLogsPerBlock), gas)); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Mine(ctx, 1); err != nil {
			b.Fatal(err)
		}
	}
	return ping, c.Head().Latest.Number
}

// BenchmarkGetLogsSparse measures a query an indexer makes to discover rare events (a factory's
// creations) over a long range: 20,000 blocks of which 20 hold matching logs, with and without
// go-ethereum's log index. Run: go test ./devchain -run '^$' -bench GetLogsSparse
func BenchmarkGetLogsSparse(b *testing.B) {
	const blocks, every = 20_000, 1_000
	for _, index := range []bool{false, true} {
		b.Run(fmt.Sprintf("logindex=%v", index), func(b *testing.B) {
			ctx := context.Background()
			c := startChain(b, Config{NoLogIndex: !index})
			key := c.Keys()[0]
			ping := crypto.CreateAddress(crypto.PubkeyToAddress(key.PublicKey), 0)
			if err := c.Client().SendTransaction(ctx, signTx(b, key, 0, nil, evmtest.PingInitCode(), 200_000)); err != nil {
				b.Fatal(err)
			}
			for i := range uint64(blocks / every) {
				if _, err := c.Mine(ctx, every-1); err != nil {
					b.Fatal(err)
				}
				if err := c.Client().SendTransaction(ctx, signTx(b, key, i+1, &ping, evmtest.PingCall(10), 100_000)); err != nil {
					b.Fatal(err)
				}
				if _, err := c.Mine(ctx, 1); err != nil {
					b.Fatal(err)
				}
			}
			_, ec := dial(b, c.HTTPURL())
			query := ethereum.FilterQuery{FromBlock: big.NewInt(0), Addresses: []common.Address{ping}, Topics: [][]common.Hash{{evmtest.PingTopic}}}
			want := 10 * blocks / every
			for range 3 { // warm-up; lets the log index catch up
				if logs, err := ec.FilterLogs(ctx, query); err != nil || len(logs) != want {
					b.Fatalf("warm-up: %d logs, %v; want %d", len(logs), err, want)
				}
			}
			start := time.Now()
			iters := 0
			for b.Loop() {
				if logs, err := ec.FilterLogs(ctx, query); err != nil || len(logs) != want {
					b.Fatalf("%d logs, %v; want %d", len(logs), err, want)
				}
				iters++
			}
			b.ReportMetric(float64(blocks*iters)/time.Since(start).Seconds(), "blocks/s")
		})
	}
}
