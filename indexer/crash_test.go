package indexer_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/config"
	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/internal/pgtest"
	"github.com/rahataid/rahat/internal/syncbuf"
	"github.com/rahataid/rahat/store"
)

var crashKills = flag.Int("crash.kills", 24, "SIGKILLs of TestCrash's indexer process, half in backfill, half live (CI: at least 20)")

// helperEnv carries the JSON helperConfig to the indexer process TestCrash starts.
const helperEnv = "RAHAT_TEST_INDEXER_PROCESS"

// The indexer process prints activeLine once it holds the writer lock and has loaded its state,
// and a line starting with commitPrefix after every commit.
const (
	activeLine   = "rahat-test-active"
	commitPrefix = "rahat-test-commit "
)

// helperConfig is what the indexer process needs: the database and the node, and what to index.
type helperConfig struct {
	DBURL   string          `json:"db_url"`
	Network config.Network  `json:"network"`
	Sources []config.Source `json:"sources"`
}

// TestHelperIndexerProcess is not a test of its own: it is the indexer process that TestCrash
// starts and kills, the test binary re-executed with helperEnv set. Without it, it does nothing.
// It indexes until killed (or SIGTERM), printing a line on stdout after every commit.
func TestHelperIndexerProcess(t *testing.T) {
	raw := os.Getenv(helperEnv)
	if raw == "" {
		return
	}
	var hc helperConfig
	if err := json.Unmarshal([]byte(raw), &hc); err != nil {
		t.Fatalf("decoding %s: %v", helperEnv, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	db, err := store.Open(ctx, hc.DBURL, store.PoolConfig{MaxConns: 8, ApplicationName: "rahat-test-indexer-process"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ix, err := indexer.New(indexer.Config{
		Network: hc.Network, Sources: hc.Sources, DB: db, ABI: contracts.ABI,
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Registry: prometheus.NewRegistry(), RetryBase: 10 * time.Millisecond, RetryMax: 200 * time.Millisecond,
		LockCheckInterval: 100 * time.Millisecond,
		OnCommit: func(c indexer.Commit) {
			// One write(2) per line: the parent sees the commit as soon as it is made.
			fmt.Fprintf(os.Stdout, "%s%d %d %t\n", commitPrefix, c.From, c.To, c.Reorg != nil)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		if _, err := ix.WaitFor(ctx, func(s indexer.Status) bool { return s.Active }); err == nil {
			fmt.Fprintln(os.Stdout, activeLine)
		}
	}()
	if err := ix.Run(ctx); err != nil {
		t.Fatal(err)
	}
}

// indexerProcess is a running indexer process.
type indexerProcess struct {
	cmd     *exec.Cmd
	commits chan uint64   // the To of every commit; closed when the process's stdout ends
	active  chan struct{} // closed when the process reports it holds the writer lock
	stderr  *syncbuf.Buffer
	done    chan struct{} // closed once cmd.Wait returned
}

// startIndexerProcess re-executes the test binary as an indexer process.
func startIndexerProcess(t *testing.T, hc helperConfig) *indexerProcess {
	t.Helper()
	raw, err := json.Marshal(hc)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperIndexerProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+string(raw))
	// The process must not outlive the test binary, whatever happens to it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p := &indexerProcess{cmd: cmd, commits: make(chan uint64, 4096), active: make(chan struct{}), stderr: &syncbuf.Buffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the indexer process: %v", err)
	}
	var readers sync.WaitGroup
	readers.Add(1)
	go func() {
		defer readers.Done()
		defer close(p.commits)
		s := bufio.NewScanner(out)
		for s.Scan() {
			if s.Text() == activeLine {
				close(p.active)
				continue
			}
			rest, ok := strings.CutPrefix(s.Text(), commitPrefix)
			if !ok {
				continue
			}
			var from, to uint64
			var reorg bool
			if _, err := fmt.Sscanf(rest, "%d %d %t", &from, &to, &reorg); err == nil {
				select {
				case p.commits <- to:
				default: // nobody counts any more; never block the process on its stdout
				}
			}
		}
	}()
	go func() {
		readers.Wait() // StdoutPipe: every read must be done before Wait
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.kill(t) })
	return p
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *indexerProcess) kill(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Errorf("indexer process %d did not die after SIGKILL", p.cmd.Process.Pid)
	}
}

// killAtRandom kills p at a moment drawn from rng: after a random number of commits (1 to
// maxCommits) or a random delay, whichever comes first. One time in four the delay (up to
// startDelay) counts from the start, which often hits the process's start-up (connecting, creating
// tables and partitions, taking the lock); otherwise it counts (up to maxDelay) from the moment the
// process holds the writer lock. The delays only pick the moment of the kill; nothing waits on
// them for correctness.
func (p *indexerProcess) killAtRandom(t *testing.T, rng *rand.Rand, maxCommits int, maxDelay time.Duration) {
	t.Helper()
	const startDelay = 250 * time.Millisecond
	want := 1 + rng.IntN(maxCommits)
	early := rng.IntN(4) == 0
	delay := time.Duration(rng.Int64N(int64(maxDelay)))
	if early {
		delay = time.Duration(rng.Int64N(int64(startDelay)))
	} else {
		select {
		case <-p.active:
		case <-p.done:
			t.Fatalf("indexer process exited on its own:\n%s", p.stderr.Tail(4000))
		case <-time.After(time.Minute):
			t.Fatalf("indexer process never took the writer lock:\n%s", p.stderr.Tail(4000))
		}
	}
	timer := time.NewTimer(delay)
	defer timer.Stop()
	seen := 0
wait:
	for seen < want {
		select {
		case _, ok := <-p.commits:
			if !ok {
				t.Fatalf("indexer process exited on its own:\n%s", p.stderr.Tail(4000))
			}
			seen++
		case <-timer.C:
			break wait
		}
	}
	p.kill(t)
}

// waitCommitted waits until the process has committed block n.
func (p *indexerProcess) waitCommitted(t *testing.T, n uint64) {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case to, ok := <-p.commits:
			if !ok {
				t.Fatalf("indexer process exited on its own:\n%s", p.stderr.Tail(4000))
			}
			if to >= n {
				return
			}
		case <-timeout:
			t.Fatalf("indexer process did not reach block %d:\n%s", n, p.stderr.Tail(4000))
		}
	}
}

// checkpoint reads the committed checkpoint.
func checkpoint(t *testing.T, ctx context.Context, db *pgxpool.Pool) (int64, []byte) {
	t.Helper()
	var n int64
	var h []byte
	err := db.QueryRow(ctx, `SELECT indexed_block, indexed_hash FROM indexer_chains WHERE chain_id = $1`, int64(1337)).Scan(&n, &h)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		t.Fatal(err)
	}
	return n, h
}

// TestCrash kills the indexer process with SIGKILL at random moments, first while it backfills a
// chain (factory instances created inside ranges included), then while it follows a chain that
// grows and reorganises under it, restarting it after every kill. After a last restart has caught
// up with the head, the database must equal a fresh index of the final chain, row for row.
func TestCrash(t *testing.T) {
	t.Parallel()
	w := startWorld(t, 500)
	ctx := testCtx(t, 4*time.Minute)
	const finality = 16
	backfillKills := *crashKills / 2
	// Each tenure commits a few ranges of two blocks at most: the chain outlasts the backfill kills.
	steps(t, ctx, w, 100+15*backfillKills, 3)
	url := pgtest.NewURL(t)
	db, err := store.Open(ctx, url, store.PoolConfig{MaxConns: 4, ApplicationName: "rahat-test-crash"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	net := testNetwork(w.Chain, true)
	// Small ranges: many commits, so kills land everywhere.
	net.MaxBlockRange, net.Concurrency, net.FinalityDepth = 2, 3, finality
	hc := helperConfig{DBURL: url, Network: net, Sources: w.Sources("dev")}
	rng := rand.New(rand.NewPCG(500, 0xc4a54))
	midBackfill := 0
	lastErr := ""

	// Backfill: the chain stands still; each tenure gets at most a few ranges done.
	for range backfillKills {
		p := startIndexerProcess(t, hc)
		p.killAtRandom(t, rng, 4, 300*time.Millisecond)
		lastErr = p.stderr.Tail(4000)
		n, _ := checkpoint(t, ctx, db)
		if n > int64(w.DeployBlock) && uint64(n) < w.Chain.Head().Latest.Number-finality {
			midBackfill++
		}
	}
	if midBackfill < backfillKills/3 {
		t.Fatalf("only %d of %d kills landed in the middle of the backfill: make the chain longer\n%s", midBackfill, backfillKills, lastErr)
	}

	// Live: blocks keep coming, with shallow reorgs, while the process is killed and restarted.
	// Only this goroutine touches the world.
	driveCtx, stopDriving := context.WithCancel(ctx)
	driven := make(chan error, 1)
	go func() {
		tick := time.NewTicker(40 * time.Millisecond) // the pace of the chain, not synchronisation
		defer tick.Stop()
		wr := w.Rand()
		for i := 1; ; i++ {
			select {
			case <-driveCtx.Done():
				driven <- nil
				return
			case <-tick.C:
			}
			var err error
			if i%20 == 0 {
				_, err = w.Reorg(driveCtx, 1+wr.IntN(6), 1+wr.IntN(3), wr.IntN(3))
			} else {
				err = w.Step(driveCtx, 1+wr.IntN(3))
			}
			if err != nil && driveCtx.Err() == nil {
				driven <- err
				return
			}
		}
	}()
	liveKills := *crashKills - backfillKills
	following := 0
	for range liveKills {
		// Let it catch up with the head first (a short backfill of what came while it was down),
		// so that the kill lands while it follows the chain block by block.
		p := startIndexerProcess(t, hc)
		p.waitCommitted(t, w.Chain.Head().Latest.Number)
		p.killAtRandom(t, rng, 6, 300*time.Millisecond)
		if n, _ := checkpoint(t, ctx, db); uint64(n) > w.Chain.Head().Latest.Number-finality {
			following++
		}
	}
	stopDriving()
	if err := <-driven; err != nil {
		t.Fatalf("driving the chain: %v", err)
	}
	if following < liveKills/4 {
		t.Fatalf("only %d of %d kills found the checkpoint in the unfinalised window: the chain outran the indexer", following, liveKills)
	}

	// A last restart must reach the head, then the index must equal a clean one.
	p := startIndexerProcess(t, hc)
	head := w.Chain.Head().Latest
	deadline := time.Now().Add(time.Minute)
	for {
		n, h := checkpoint(t, ctx, db)
		if uint64(n) == head.Number && bytes.Equal(h, head.Hash.Bytes()) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("indexer stuck at block %d after the kills; head %d\n%s", n, head.Number, p.stderr.Tail(4000))
		}
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(10 * time.Millisecond): // polling the checkpoint, bounded by the deadline
		}
	}
	p.kill(t)
	var deep bool
	if err := db.QueryRow(ctx, `SELECT deep_reorg FROM indexer_chains`).Scan(&deep); err != nil {
		t.Fatal(err)
	}
	if deep {
		t.Fatal("deep-reorg alarm raised, but every reorg was shallower than the finality depth")
	}
	t.Logf("%d kills during backfill (%d with the checkpoint mid-way), %d while following (%d with the checkpoint in the unfinalised window); head %d",
		backfillKills, midBackfill, liveKills, following, head.Number)
	assertFresh(t, db, w)
}

// TestReorgWhileStopped reorganises blocks the indexer had indexed as unfinalised while it is
// stopped, then lets the chain grow past the finality depth: on restart the blocks after the
// checkpoint are final and backfilled, and the backfill must still notice that the checkpoint is
// no longer canonical. (TestCrash found this: rows of the old branch stayed.)
func TestReorgWhileStopped(t *testing.T) {
	t.Parallel()
	for mode := range 3 {
		t.Run(fmt.Sprintf("mode%d", mode), func(t *testing.T) {
			t.Parallel()
			w := startWorld(t, uint64(600+mode))
			ctx := testCtx(t, 2*time.Minute)
			steps(t, ctx, w, 30, 3)
			db := pgtestNew(t)
			net := testNetwork(w.Chain, false)
			net.FinalityDepth = 16
			ix := newIndexer(t, db, net, w.Sources("dev"), nil)
			stop := start(t, ix)
			waitHead(t, ix, w.Chain)
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			if _, err := w.Reorg(ctx, 3, 4, mode); err != nil {
				t.Fatal(err)
			}
			steps(t, ctx, w, 20, 2) // the blocks after the checkpoint are final now
			ix = newIndexer(t, db, net, w.Sources("dev"), nil)
			start(t, ix)
			waitHead(t, ix, w.Chain)
			// The replaced blocks were unfinalised when indexed: no deep-reorg alarm.
			var deep bool
			var reorgs int
			if err := db.QueryRow(ctx, `SELECT deep_reorg, (SELECT count(*) FROM indexer_reorgs) FROM indexer_chains`).Scan(&deep, &reorgs); err != nil {
				t.Fatal(err)
			}
			if deep || reorgs != 1 {
				t.Fatalf("deep_reorg %v with %d reorgs logged; want false and 1", deep, reorgs)
			}
			assertFresh(t, db, w)
		})
	}
}
