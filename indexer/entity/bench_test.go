package entity_test

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/entity"
	"github.com/rahataid/rahat/internal/pgtest"
	"github.com/rahataid/rahat/pgcluster"
	"github.com/rahataid/rahat/store"
)

// staticChain describes the benchmark's synthetic token from memory: its events come from no
// contract, and a backfill would answer the same from a cache.
type staticChain struct{}

func (staticChain) TokenInfo(context.Context, common.Address, common.Hash) (entity.TokenInfo, error) {
	name, symbol, decimals := "Bench", "BNC", uint8(18)
	return entity.TokenInfo{Name: &name, Symbol: &symbol, Decimals: &decimals}, nil
}

func (staticChain) ProjectInfo(context.Context, common.Address, common.Hash) (entity.ProjectInfo, error) {
	return entity.ProjectInfo{}, nil
}

func (staticChain) ClaimCalls(_ context.Context, refs []entity.TxRef) ([]entity.ClaimCall, error) {
	return make([]entity.ClaimCall, len(refs)), nil
}

func (staticChain) Claim(context.Context, common.Address, *big.Int, common.Hash) (entity.OnchainClaim, bool, error) {
	return entity.OnchainClaim{}, false, nil
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// transferGen generates a token's Transfer events: first one mint to every holder, then transfers
// of one unit between random holders, perBlock events to a block, in (block, log) order.
type transferGen struct {
	token    common.Address
	holders  []common.Address
	perBlock int
	rng      *rand.Rand
	n        int // events generated so far
}

func (g *transferGen) next(count int) []indexer.Event {
	out := make([]indexer.Event, count)
	for i := range out {
		var from, to common.Address
		value := big.NewInt(1)
		if g.n < len(g.holders) {
			to, value = g.holders[g.n], big.NewInt(1_000_000)
		} else {
			from, to = g.holders[g.rng.IntN(len(g.holders))], g.holders[g.rng.IntN(len(g.holders))]
		}
		block := uint64(1 + g.n/g.perBlock)
		out[i] = indexer.Event{ChainID: 1337, Source: "RahatToken", Contract: "RahatToken", Name: "Transfer",
			Address: g.token, BlockNumber: block, BlockHash: common.BigToHash(new(big.Int).SetUint64(block)),
			BlockTime: 1_700_000_000 + block, TxHash: common.BigToHash(big.NewInt(int64(g.n))),
			TxIndex: uint(g.n % g.perBlock), LogIndex: uint(g.n % g.perBlock),
			Args: map[string]any{"from": from, "to": to, "value": value}}
		g.n++
	}
	return out
}

// benchDB returns a migrated database on a private cluster with the memory a production server
// would give Postgres (shared_buffers 1GB instead of the test clusters' 128MB, so that the indexes
// of a million versions stay in shared buffers, and random_page_cost for SSDs), fsync off like
// every test cluster. RAHAT_BENCH_SHARED=1 uses the shared test cluster instead.
func benchDB(b *testing.B) *pgxpool.Pool {
	b.Helper()
	if os.Getenv("RAHAT_BENCH_SHARED") != "" {
		return pgtest.New(b)
	}
	ctx := context.Background()
	c, err := pgcluster.Start(ctx, pgcluster.Config{Dir: filepath.Join(b.TempDir(), "pg"), Ephemeral: true,
		Settings: map[string]string{"shared_buffers": "1GB", "random_page_cost": "1.1", "max_wal_size": "4GB"}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Stop(context.Background()) })
	db, err := store.Open(ctx, c.URL(pgcluster.DefaultDatabase), store.PoolConfig{MaxConns: 4, ApplicationName: "rahat-bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(db.Close)
	if _, err := store.Migrate(ctx, db, nil); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkTransfers sends synthetic Transfer events through HandleEvents into a fresh database,
// as a backfill would: batches of RAHAT_BENCH_BATCH events (default 5,000, ending on block
// boundaries), each in its own committed transaction, on one connection. Two shapes:
//
//   - spread: RAHAT_BENCH_EVENTS (default 1,000,000) events among 100,000 holders, 100 to a block:
//     first a mint to every holder, then transfers between random holders. Nearly every event
//     changes two balances that no other event of its block touches, so each event costs two new
//     versions and two closed ones: the worst case for block-range versions.
//   - bulk: the same number of events among 100 holders, 8,000 to a block, the shape of
//     workload.Bulk (mintBatchRepeat) that the indexer's benchmark indexes: the many changes of one
//     key in a block make one version.
//
// It reports events/s over the handler's work and the commits (generating events is not timed);
// events per CPU-second of this process and the Postgres backend together, which is what an idle
// machine would reach and does not depend on what else the machine runs; the entity versions
// written; and the time a rollback of the last 10 blocks takes on the full tables. Run it with
// -benchtime=1x: one iteration is the whole load.
func BenchmarkTransfers(b *testing.B) {
	for _, c := range []struct {
		name              string
		holders, perBlock int
	}{
		{"spread", 100_000, 100},
		{"bulk", 100, 8000},
	} {
		b.Run(c.name, func(b *testing.B) {
			benchTransfers(b, envInt("RAHAT_BENCH_EVENTS", 1_000_000), c.holders, c.perBlock, envInt("RAHAT_BENCH_BATCH", 5000))
		})
	}
}

func benchTransfers(b *testing.B, total, nHolders, perBlock, batch int) {
	holders := make([]common.Address, nHolders)
	for i := range holders {
		holders[i] = common.BigToAddress(big.NewInt(int64(0x1000000 + i)))
	}
	ctx := context.Background()
	for range b.N {
		pool := benchDB(b)
		// One connection for the whole load, so that its backend's CPU time can be read.
		conn, err := pool.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		var pid int
		if err := conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
			b.Fatal(err)
		}
		h, err := entity.New(entity.Config{Chain: staticChain{}, Registry: prometheus.NewRegistry()})
		if err != nil {
			b.Fatal(err)
		}
		g := &transferGen{token: common.HexToAddress("0x00000000000000000000000000000000000B0B0B"), holders: holders,
			perBlock: perBlock, rng: rand.New(rand.NewPCG(1, 2))}
		var elapsed, goCPU time.Duration
		pgStart := processCPU(b, pid)
		b.StopTimer()
		for g.n < total {
			// Batches end on block boundaries, as the indexer's do.
			n := min(batch, total-g.n)
			if end := g.n + n; end < total && end%perBlock != 0 {
				n += perBlock - end%perBlock
			}
			events := g.next(min(n, total-g.n))
			b.StartTimer()
			t0, c0 := time.Now(), selfCPU(b)
			if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error { return h.HandleEvents(ctx, tx, events) }); err != nil {
				b.Fatal(err)
			}
			elapsed += time.Since(t0)
			goCPU += selfCPU(b) - c0
			b.StopTimer()
		}
		pgCPU := processCPU(b, pid) - pgStart
		var versions int64
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM ent_balances`).Scan(&versions); err != nil {
			b.Fatal(err)
		}
		last := uint64(1 + (total-1)/perBlock)
		t0 := time.Now()
		if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error { return h.Rollback(ctx, tx, 1337, last-10) }); err != nil {
			b.Fatal(err)
		}
		rollback := time.Since(t0)
		conn.Release()
		b.ReportMetric(float64(total)/elapsed.Seconds(), "events/s")
		b.ReportMetric(float64(total)/(pgCPU+goCPU).Seconds(), "events/cpu-s")
		b.ReportMetric(pgCPU.Seconds(), "pg-cpu-s")
		b.ReportMetric(goCPU.Seconds(), "go-cpu-s")
		b.ReportMetric(float64(versions), "versions")
		b.ReportMetric(float64(rollback.Milliseconds()), "rollback10-ms")
		b.StartTimer()
	}
}

// processCPU returns the user and system CPU time a process has used (Linux /proc), so that a
// benchmark on a machine shared with other work can report the work done per CPU-second.
func processCPU(b *testing.B, pid int) time.Duration {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatalf("reading the CPU time of process %d: %v", pid, err)
	}
	// Fields after the command name (which is in parentheses and may hold spaces): utime and
	// stime are the 12th and 13th, in clock ticks of 1/100 s.
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// selfCPU returns this process's CPU time.
func selfCPU(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
