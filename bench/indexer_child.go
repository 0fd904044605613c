package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/config"
	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/entity"
	"github.com/rahataid/rahat/store"
)

// init turns the process into the backfill child when the suite re-executes this binary with
// ixChildEnv set (its peak RSS is then the indexer's alone, not the dev chain's). An init is the
// only way in that needs no flag in main.
func init() {
	if spec := os.Getenv(ixChildEnv); spec != "" {
		os.Exit(backfillChild(spec))
	}
}

// childSpec is what the backfill child is told; childResult what it answers on stdout.
type childSpec struct {
	DBURL    string          `json:"db_url"`
	Network  config.Network  `json:"network"`
	Sources  []config.Source `json:"sources"`
	Target   uint64          `json:"target"`
	Entities bool            `json:"entities"`
	// Covering runs the indexer as rahat index does (index.covering_indexes): the covering
	// indexes are built once the backfill is done, timed apart (childResult.CoveringSeconds).
	Covering bool `json:"covering"`
}

type childResult struct {
	Seconds  float64 `json:"seconds"`
	Events   int64   `json:"events"`
	IdleRSS  int64   `json:"idle_rss"`  // bytes, VmRSS before indexing: the binary and its runtime
	PeakRSS  int64   `json:"peak_rss"`  // bytes, VmHWM
	PeakHeap uint64  `json:"peak_heap"` // bytes of live and unswept heap objects, sampled
	// CoveringSeconds is the time from the end of the backfill to the covering indexes' being ready.
	CoveringSeconds float64 `json:"covering_seconds,omitempty"`
	Err             string  `json:"err,omitempty"`
}

func (c childResult) rate() float64 { return float64(c.Events) / c.Seconds }

// backfill runs the indexer over the range into a fresh database in a child process and returns
// its figures and the database's URL.
func (r *ixRun) backfill(ctx context.Context, entities bool) (childResult, string, error) {
	db, url, err := r.env.NewDatabase(ctx, 2)
	if err != nil {
		return childResult{}, "", err
	}
	db.Close()
	spec, err := json.Marshal(childSpec{DBURL: url, Network: r.network(), Sources: r.sources, Target: r.to, Entities: entities, Covering: entities})
	if err != nil {
		return childResult{}, "", err
	}
	exe, err := os.Executable()
	if err != nil {
		return childResult{}, "", err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), ixChildEnv+"="+string(spec))
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var out bytes.Buffer
	cmd.Stdout = &out
	runErr := cmd.Run()
	var res childResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return res, "", fmt.Errorf("backfill child: %v, output %q: %w", runErr, out.String(), err)
	}
	if res.Err != "" {
		return res, "", fmt.Errorf("backfill child: %s", res.Err)
	}
	r.env.Log.Info("indexer backfill", "entities", entities, "events", res.Events, "seconds", res.Seconds,
		"events_per_s", int(res.rate()), "idle_rss_mb", res.IdleRSS>>20, "peak_rss_mb", res.PeakRSS>>20, "peak_heap_mb", res.PeakHeap>>20, "covering_s", res.CoveringSeconds)
	return res, url, nil
}

// backfillChild is the child's main: it indexes spec's range and prints a childResult.
func backfillChild(raw string) int {
	res := runBackfillChild(raw)
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil || res.Err != "" {
		return 1
	}
	return 0
}

func runBackfillChild(raw string) childResult {
	var spec childSpec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		return childResult{Err: err.Error()}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	db, err := store.Open(ctx, spec.DBURL, store.PoolConfig{MaxConns: 8, ApplicationName: "rahat-bench-indexer"})
	if err != nil {
		return childResult{Err: err.Error()}
	}
	defer db.Close()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var handlers []indexer.Handler
	if spec.Entities {
		ec, err := ethclient.DialContext(ctx, spec.Network.RPCURL)
		if err != nil {
			return childResult{Err: err.Error()}
		}
		defer ec.Close()
		chain, err := entity.NewRPC(ec)
		if err != nil {
			return childResult{Err: err.Error()}
		}
		h, err := entity.New(entity.Config{Chain: chain, Logger: log})
		if err != nil {
			return childResult{Err: err.Error()}
		}
		handlers = append(handlers, h)
	}
	var events atomic.Int64
	ix, err := indexer.New(indexer.Config{Network: spec.Network, Sources: spec.Sources, DB: db, ABI: contracts.ABI,
		Handlers: handlers, Logger: log, Registry: prometheus.NewRegistry(), CoveringIndexes: spec.Covering,
		OnCommit: func(c indexer.Commit) { events.Add(int64(c.Events)) }})
	if err != nil {
		return childResult{Err: err.Error()}
	}
	idle := procStatus("VmRSS")
	var peakHeap atomic.Uint64
	sctx, stopSampling := context.WithCancel(ctx)
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		sampleHeap(sctx, &peakHeap)
	}()
	rctx, stopRun := context.WithCancel(ctx)
	ran := make(chan error, 1)
	start := time.Now()
	go func() { ran <- ix.Run(rctx) }()
	// An error restarts the indexer from its checkpoint: a figure measured through that would be
	// meaningless, so the first one ends the run.
	st, werr := ix.WaitFor(ctx, func(s indexer.Status) bool {
		return (s.HasIndexed && s.Indexed >= spec.Target) || s.LastErr != nil
	})
	el := time.Since(start)
	if werr == nil && st.LastErr != nil {
		werr = fmt.Errorf("indexing failed: %w", st.LastErr)
	}
	var covering time.Duration
	if werr == nil && spec.Covering {
		_, werr = ix.WaitFor(ctx, func(s indexer.Status) bool { return s.CoveringReady || s.LastErr != nil })
		covering = time.Since(start) - el
	}
	stopRun()
	runErr := <-ran
	stopSampling()
	<-sampled
	res := childResult{Seconds: el.Seconds(), Events: events.Load(), PeakHeap: peakHeap.Load(),
		IdleRSS: idle, PeakRSS: procStatus("VmHWM"), CoveringSeconds: covering.Seconds()}
	if err := errors.Join(werr, runErr); err != nil {
		res.Err = err.Error()
	}
	return res
}

// sampleHeap records the peak of the heap's object bytes (live and not yet swept) every 10ms.
func sampleHeap(ctx context.Context, peak *atomic.Uint64) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		metrics.Read(s)
		if v := s[0].Value.Uint64(); v > peak.Load() {
			peak.Store(v)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// procStatus returns a memory figure of /proc/self/status (VmRSS, VmHWM) in bytes.
func procStatus(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}
