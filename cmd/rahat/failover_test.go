package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/internal/pgtest"
	"github.com/rahataid/rahat/store"
	"github.com/rahataid/rahat/workload"
)

// The log messages of the indexer's writer lock (indexer/lock.go, indexer/indexer.go).
const (
	msgActive  = "holding the writer lock"
	msgStandby = "another indexer holds the writer lock; waiting as standby"
)

// TestIndexerFailover runs two `rahat index` processes on one database, as the Kubernetes
// Deployment does: the first holds the writer lock, the second waits as standby. The active one
// is SIGKILLed while the chain is busy; the standby must take over at once and finish the index,
// which must then equal, table for table, a fresh index of the same chain.
func TestIndexerFailover(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Minute)
	defer cancel()
	bin := buildRahat(t, ctx)

	chain, err := devchain.Start(ctx, devchain.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("starting the dev chain: %v", err)
	}
	t.Cleanup(func() { _ = chain.Close() })
	opts := workload.Options{
		Logger: slog.New(slog.DiscardHandler),
		Seal:   func(ctx context.Context) error { _, err := chain.Mine(ctx, 1); return err },
	}
	dep, err := workload.Deploy(ctx, chain.Client(), chain.Keys()[0], opts)
	if err != nil {
		t.Fatalf("deploying: %v", err)
	}
	cfgPath := writeFailoverConfig(t, chain, dep)
	url := pgtest.NewURL(t)
	env := append(os.Environ(), "RAHAT_DATABASE_URL="+url)
	db := openPool(t, ctx, url)

	a := startIndex(t, bin, cfgPath, env, "a")
	a.waitLog(t, ctx, msgActive)
	b := startIndex(t, bin, cfgPath, env, "b")
	b.waitLog(t, ctx, msgStandby)

	// Round one, indexed by a.
	play(t, ctx, chain, dep, opts, 1)
	h1 := chain.Head().Latest.Number
	waitIndexed(t, ctx, db, h1)

	// Round two; a is killed once it has committed some of it, while blocks keep coming.
	played := make(chan error, 1)
	go func() { played <- playErr(ctx, chain, dep, opts, 2) }()
	waitIndexed(t, ctx, db, h1+2)
	if b.saw(msgActive) {
		t.Fatal("the standby took the lock while the writer was alive")
	}
	killed := time.Now()
	a.kill(t)
	takeoverCtx, cancelTakeover := context.WithTimeout(ctx, 30*time.Second)
	b.waitLog(t, takeoverCtx, msgActive)
	cancelTakeover()
	t.Logf("the standby took the writer lock %v after the SIGKILL", time.Since(killed).Round(time.Millisecond))
	if err := <-played; err != nil {
		t.Fatalf("workload round 2: %v", err)
	}
	h2 := chain.Head().Latest.Number
	catchUp, cancelCatchUp := context.WithTimeout(ctx, 2*time.Minute)
	waitIndexed(t, catchUp, db, h2)
	cancelCatchUp()

	// Exactly one session holds the chain's writer lock: b's. a's died with a. (pg_locks shows a
	// bigint advisory key as its high and low 32 bits, objsubid 1.)
	key := uint64(indexer.LockKey(devchain.ChainID))
	var holders int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND classid::int8 = $1 AND objid::int8 = $2 AND objsubid = 1`, int64(key>>32), int64(key&0xffffffff)).Scan(&holders); err != nil {
		t.Fatal(err)
	}
	if holders != 1 {
		t.Errorf("%d sessions hold the writer lock after the takeover, want 1 (the new writer's)", holders)
	}

	// The reference: a fresh index of the same chain, by the same code in this process.
	refURL := pgtest.NewURL(t)
	ref := openPool(t, ctx, refURL)
	refCtx, stopRef := context.WithCancel(ctx)
	var refLog bytes.Buffer
	refDone := make(chan int, 1)
	go func() {
		refDone <- Main(refCtx, []string{"index", "--config", cfgPath}, io.Discard, &refLog,
			append(os.Environ(), "RAHAT_DATABASE_URL="+refURL))
	}()
	waitIndexed(t, ctx, ref, h2)
	stopRef()
	if code := <-refDone; code != 0 {
		t.Fatalf("reference index exited %d:\n%s", code, refLog.String())
	}
	if diff := compareIndexes(t, ctx, db, ref); diff != "" {
		t.Errorf("the index after the failover differs from a fresh index of the chain:\n%s", diff)
	}
}

// buildRahat builds the rahat binary into the test's temporary directory.
func buildRahat(t *testing.T, ctx context.Context) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the failover test builds rahat and needs the go command: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "rahat")
	cmd := exec.CommandContext(ctx, gobin, "build", "-o", bin, ".")
	cmd.WaitDelay = 10 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// writeFailoverConfig writes a rahat.yaml for the dev chain with the deployment's sources: JSON
// logs (the test reads them), an ephemeral metrics port, small ranges so that several are in
// flight, a short finality depth so that both backfill and live paths run.
func writeFailoverConfig(t *testing.T, chain *devchain.Chain, dep *workload.Deployment) string {
	t.Helper()
	base := fmt.Sprintf(`log:
  level: info
  format: json
index:
  metrics_addr: 127.0.0.1:0
networks:
  - name: dev
    chain_id: %d
    rpc_url: %s
    ws_url: %s
    finality_depth: 8
    poll_interval: 100ms
    max_block_range: 20
    concurrency: 3
    request_timeout: 10s
`, devchain.ChainID, chain.HTTPURL(), chain.WSURL())
	doc, err := workload.UpdateManifest([]byte(base), dep.Sources("dev"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rahat.yaml")
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func openPool(t *testing.T, ctx context.Context, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := store.Open(ctx, url, store.PoolConfig{MaxConns: 4, ApplicationName: "rahat-failover-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func play(t *testing.T, ctx context.Context, chain *devchain.Chain, dep *workload.Deployment, opts workload.Options, seed int64) {
	t.Helper()
	if err := playErr(ctx, chain, dep, opts, seed); err != nil {
		t.Fatalf("workload round %d: %v", seed, err)
	}
}

// playErr plays the small workload profile with seed: new tokens and projects, every flow.
func playErr(ctx context.Context, chain *devchain.Chain, dep *workload.Deployment, opts workload.Options, seed int64) error {
	cfg, err := workload.Profile("small", seed)
	if err != nil {
		return err
	}
	w, err := workload.New(ctx, chain.Client(), dep, chain.Keys()[0], cfg, opts)
	if err != nil {
		return err
	}
	_, err = w.Run(ctx)
	return err
}

// waitIndexed polls the checkpoint until block n is committed, or fails the test when ctx ends.
func waitIndexed(t *testing.T, ctx context.Context, db *pgxpool.Pool, n uint64) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var got int64 = -1
	for {
		err := db.QueryRow(ctx, `SELECT coalesce(max(indexed_block), -1) FROM indexer_chains WHERE chain_id = $1`, devchain.ChainID).Scan(&got)
		if err == nil && got >= int64(n) {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("block %d not indexed in time (checkpoint %d, last error %v): %v", n, got, err, ctx.Err())
		case <-tick.C:
		}
	}
}

// indexProc is a running `rahat index` whose JSON log lines are read as they come.
type indexProc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed when the log ends (the process exited)

	mu      sync.Mutex
	log     bytes.Buffer
	seen    map[string]bool
	changed chan struct{} // closed and replaced on every line
}

func startIndex(t *testing.T, bin, cfgPath string, env []string, name string) *indexProc {
	t.Helper()
	p := &indexProc{name: name, seen: map[string]bool{}, changed: make(chan struct{}), done: make(chan struct{})}
	p.cmd = exec.Command(bin, "index", "--config", cfgPath)
	p.cmd.Env = env
	p.cmd.WaitDelay = 10 * time.Second
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting rahat index %s: %v", name, err)
	}
	go p.read(stderr)
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		_ = p.cmd.Wait()
		if t.Failed() {
			t.Logf("log of rahat index %s:\n%s", name, p.logText())
		}
	})
	return p
}

func (p *indexProc) read(r io.Reader) {
	defer close(p.done)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var rec struct {
			Msg string `json:"msg"`
		}
		_ = json.Unmarshal(line, &rec) // the progress lines are not JSON
		p.mu.Lock()
		p.log.Write(line)
		p.log.WriteByte('\n')
		if rec.Msg != "" {
			p.seen[rec.Msg] = true
		}
		close(p.changed)
		p.changed = make(chan struct{})
		p.mu.Unlock()
	}
}

func (p *indexProc) saw(msg string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen[msg]
}

func (p *indexProc) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// waitLog waits until the process logs msg, fails the test if it exits first or ctx ends.
func (p *indexProc) waitLog(t *testing.T, ctx context.Context, msg string) {
	t.Helper()
	for {
		p.mu.Lock()
		ok, ch := p.seen[msg], p.changed
		p.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-p.done:
			if !p.saw(msg) {
				t.Fatalf("rahat index %s exited before logging %q:\n%s", p.name, msg, p.logText())
			}
		case <-ctx.Done():
			t.Fatalf("rahat index %s did not log %q in time: %v\n%s", p.name, msg, ctx.Err(), p.logText())
		}
	}
}

// kill SIGKILLs the process: no shutdown, no lock release but the one Postgres does for a dead
// session.
func (p *indexProc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatalf("killing rahat index %s: %v", p.name, err)
	}
	<-p.done
	_ = p.cmd.Wait()
}

// compareIndexes compares the checkpoint and, table by table, the rows of the event tables, the
// factory instances and the derived entities of two databases (all columns but times of writing),
// by count and digest. It describes the differences, or returns "".
func compareIndexes(t *testing.T, ctx context.Context, got, want *pgxpool.Pool) string {
	t.Helper()
	var diff strings.Builder
	const checkpoint = `SELECT indexed_block, encode(indexed_hash, 'hex') FROM indexer_chains WHERE chain_id = $1`
	var gb, wb int64
	var gh, wh string
	if err := got.QueryRow(ctx, checkpoint, devchain.ChainID).Scan(&gb, &gh); err != nil {
		t.Fatal(err)
	}
	if err := want.QueryRow(ctx, checkpoint, devchain.ChainID).Scan(&wb, &wh); err != nil {
		t.Fatal(err)
	}
	if gb != wb || gh != wh {
		fmt.Fprintf(&diff, "checkpoint %d %s, want %d %s\n", gb, gh, wb, wh)
	}
	tables := indexTables(t, ctx, want)
	if g := indexTables(t, ctx, got); strings.Join(g, ",") != strings.Join(tables, ",") {
		fmt.Fprintf(&diff, "tables %v, want %v\n", g, tables)
	}
	events := 0
	for _, table := range tables {
		gn, gd := tableDigest(t, ctx, got, table)
		wn, wd := tableDigest(t, ctx, want, table)
		if gn != wn || gd != wd {
			fmt.Fprintf(&diff, "%s: %d rows (digest %s), want %d rows (digest %s)\n", table, gn, gd, wn, wd)
		}
		if strings.HasPrefix(table, "evt_") {
			events += wn
		}
	}
	if events == 0 {
		fmt.Fprintf(&diff, "the reference index holds no events: the comparison proves nothing\n")
	}
	t.Logf("compared the checkpoint (block %d) and %d tables holding %d events", wb, len(tables), events)
	return diff.String()
}

// indexTables lists the tables whose content the chain alone determines: the event tables of the
// catalog, indexer_instances, and the entity tables (ent_*), sorted.
func indexTables(t *testing.T, ctx context.Context, db *pgxpool.Pool) []string {
	t.Helper()
	rows, err := db.Query(ctx, `
		SELECT table_name::text FROM indexer_event_tables
		UNION SELECT 'indexer_instances'
		UNION SELECT c.relname::text FROM pg_class c
		  WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
		    AND NOT c.relispartition AND c.relname LIKE 'ent\_%'
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// tableDigest returns the row count and an order-independent digest of a table's rows, leaving
// out timestamp columns (times of writing, which differ between two indexes of one chain).
func tableDigest(t *testing.T, ctx context.Context, db *pgxpool.Pool, table string) (int, string) {
	t.Helper()
	rows, err := db.Query(ctx, `
		SELECT attname::text FROM pg_attribute
		WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped
		  AND atttypid NOT IN ('timestamptz'::regtype, 'timestamp'::regtype)
		ORDER BY attnum`, pgx.Identifier{table}.Sanitize())
	if err != nil {
		t.Fatal(err)
	}
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = pgx.Identifier{c}.Sanitize()
	}
	// Identifiers come from the catalog and are quoted; nothing here is user input.
	q := fmt.Sprintf(`SELECT count(*), coalesce(md5(string_agg(r, E'\n' ORDER BY r COLLATE "C")), '')
		FROM (SELECT ROW(%s)::text AS r FROM %s) s`, strings.Join(quoted, ", "), pgx.Identifier{table}.Sanitize())
	var n int
	var digest string
	if err := db.QueryRow(ctx, q).Scan(&n, &digest); err != nil {
		t.Fatalf("digest of %s: %v", table, err)
	}
	return n, digest
}
