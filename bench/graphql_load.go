package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"sync"
	"syscall"
	"time"
)

// The GraphQL suite's load generator: closed-loop clients (each sends its next request when the
// previous answer has been read), or paced ones, every request timed from send to last byte, the
// first second discarded as warm-up. GraphQL load comes from a separate process (this binary
// re-executed, see init), so that the server's CPU is measured apart from its clients', through a
// client about as cheap as wrk (rawPoster, graphql_http.go).

// gqlChildEnv names the file holding a loadSpec: set, the process is a load generator.
const gqlChildEnv = "RAHAT_BENCH_GRAPHQL_LOADGEN"

// loadSpec is what a load generator process runs.
type loadSpec struct {
	URL     string         `json:"url"`
	Clients int            `json:"clients"`
	Period  time.Duration  `json:"period"`
	Warm    time.Duration  `json:"warm"`
	D       time.Duration  `json:"d"`
	Query   string         `json:"query"`
	Var     string         `json:"var,omitempty"`    // the variable set per request to one of Values
	Values  []string       `json:"values,omitempty"` // chosen at random
	Fixed   map[string]any `json:"fixed,omitempty"`  // the other variables
	// Bare posts {Var: value} rather than a GraphQL request (the SQL endpoint of the contrast).
	Bare bool `json:"bare,omitempty"`
}

// loadReport is a load generator's answer.
type loadReport struct {
	N    int           `json:"n"`
	P50  time.Duration `json:"p50"`
	P99  time.Duration `json:"p99"`
	Rate float64       `json:"rate"`
	CPU  time.Duration `json:"cpu"` // the generator's own CPU per request
	Err  string        `json:"err,omitempty"`
}

func init() {
	if path := os.Getenv(gqlChildEnv); path != "" {
		os.Exit(loadChild(path))
	}
}

// loadChild runs the spec in the file at path and prints a loadReport.
func loadChild(path string) int {
	var spec loadSpec
	raw, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(raw, &spec)
	}
	rep := loadReport{}
	var post *rawPoster
	var reqs [][]byte
	if err == nil {
		post, reqs, err = prepareLoad(spec)
	}
	if err == nil {
		var st loadStats
		st, err = runPaced(context.Background(), spec.Clients, spec.Period, spec.Warm, spec.D, func(ctx context.Context, rng *rand.Rand) error {
			return post.post(ctx, reqs[rng.IntN(len(reqs))])
		}, processCPU)
		rep = loadReport{N: st.n, P50: st.p50, P99: st.p99, Rate: st.rate, CPU: st.cpu}
	}
	if err != nil {
		rep.Err = err.Error()
	}
	json.NewEncoder(os.Stdout).Encode(rep) //nolint:errcheck // the parent reads it
	if err != nil {
		return 1
	}
	return 0
}

// prepareLoad opens the client and writes every request of spec in advance: one per value of
// the varying variable (with the fixed ones), or the one request.
func prepareLoad(spec loadSpec) (*rawPoster, [][]byte, error) {
	post, err := newRawPoster(spec.URL, spec.Clients)
	if err != nil {
		return nil, nil, err
	}
	values := spec.Values
	if spec.Var == "" {
		values = []string{""}
	}
	reqs := make([][]byte, len(values))
	for i, v := range values {
		vars := map[string]any{}
		for k, x := range spec.Fixed {
			vars[k] = x
		}
		if spec.Var != "" {
			vars[spec.Var] = v
		}
		if spec.Bare {
			reqs[i], err = rawPost(spec.URL, vars)
		} else {
			reqs[i], err = rawRequest(spec.URL, spec.Query, vars)
		}
		if err != nil {
			return nil, nil, err
		}
	}
	return post, reqs, nil
}

// runRemote runs spec in a load generator process and measures, over the same window, the CPU of
// this process (the server) and of the database: the stats' cpu is the service's per request.
func runRemote(ctx context.Context, spec loadSpec, serverCPU func() time.Duration) (loadStats, error) {
	f, err := os.CreateTemp("", "rahat-loadgen-*.json")
	if err != nil {
		return loadStats{}, err
	}
	defer os.Remove(f.Name())
	if err := json.NewEncoder(f).Encode(spec); err != nil {
		f.Close()
		return loadStats{}, err
	}
	f.Close()
	exe, err := os.Executable()
	if err != nil {
		return loadStats{}, err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), gqlChildEnv+"="+f.Name())
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return loadStats{}, err
	}
	start := time.Now()
	cpuDone := make(chan time.Duration, 1)
	go func() {
		time.Sleep(time.Until(start.Add(spec.Warm)))
		c0 := serverCPU()
		time.Sleep(time.Until(start.Add(spec.Warm + spec.D)))
		cpuDone <- serverCPU() - c0
	}()
	waitErr := cmd.Wait()
	used := <-cpuDone
	var rep loadReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		return loadStats{}, fmt.Errorf("load generator: %v (%w)", waitErr, err)
	}
	if rep.Err != "" {
		return loadStats{}, fmt.Errorf("load generator: %s", rep.Err)
	}
	return loadStats{n: rep.N, p50: rep.P50, p99: rep.P99, rate: rep.Rate, cpu: used / time.Duration(max(rep.N, 1)), clientCPU: rep.CPU}, nil
}

// loadStats summarises one load run.
type loadStats struct {
	n        int
	p50, p99 time.Duration
	rate     float64 // requests per second
	// cpu is the CPU time per request of the service (this process and the database's backends):
	// what a request costs the machine, whatever else runs on it.
	cpu time.Duration
	// clientCPU is a separate load generator's own CPU per request.
	clientCPU time.Duration
}

// runLoad runs do from clients goroutines for d (after a warm-up of warm) and times each call.
func runLoad(ctx context.Context, clients int, warm, d time.Duration, do func(ctx context.Context, rng *rand.Rand) error, cpu func() time.Duration) (loadStats, error) {
	return runPaced(ctx, clients, 0, warm, d, do, cpu)
}

// runPaced is runLoad where each client starts a request every period (0: at once), so that
// latency is measured at a given load rather than at saturation. A client that falls behind
// sends at once and times the request from its slot, as wrk2 does.
func runPaced(ctx context.Context, clients int, period, warm, d time.Duration, do func(ctx context.Context, rng *rand.Rand) error, cpu func() time.Duration) (loadStats, error) {
	start := time.Now()
	measureFrom, end := start.Add(warm), start.Add(warm+d)
	cpuDone := make(chan time.Duration, 1)
	go func() {
		time.Sleep(time.Until(measureFrom))
		c0 := cpu()
		time.Sleep(time.Until(end))
		cpuDone <- cpu() - c0
	}()
	var mu sync.Mutex
	var lats []time.Duration
	var errs int
	var firstErr error
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			var mine []time.Duration
			bad := 0
			next := start.Add(time.Duration(rng.Int64N(int64(period) + 1)))
			var prevEnd time.Time
			for ctx.Err() == nil {
				t0 := time.Now()
				if period > 0 {
					slot := next
					next = next.Add(period)
					if prevEnd.After(slot) {
						// The previous answer came after this request's slot: time it from its
						// slot, so that a stall counts for every request it held up (no
						// coordinated omission). A late timer alone does not count.
						t0 = slot
					} else {
						time.Sleep(time.Until(slot))
						t0 = time.Now()
					}
				}
				if t0.After(end) {
					break
				}
				err := do(ctx, rng)
				prevEnd = time.Now()
				if t0.Before(measureFrom) {
					continue
				}
				if err != nil {
					bad++
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lats = append(lats, mine...)
			errs += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	used := <-cpuDone
	if ctx.Err() != nil {
		return loadStats{}, ctx.Err()
	}
	if len(lats) == 0 {
		return loadStats{}, fmt.Errorf("no successful request (first error: %v)", firstErr)
	}
	if errs > 0 {
		return loadStats{}, fmt.Errorf("%d requests failed, the first with: %w", errs, firstErr)
	}
	slices.Sort(lats)
	return loadStats{
		n:    len(lats),
		p50:  lats[len(lats)/2],
		p99:  lats[min(len(lats)-1, len(lats)*99/100)],
		rate: float64(len(lats)) / d.Seconds(),
		cpu:  used / time.Duration(len(lats)),
	}, nil
}

// gqlPoster posts GraphQL documents over keep-alive HTTP connections.
type gqlPoster struct {
	url    string
	client *http.Client
}

func newGQLPoster(url string, conns int) *gqlPoster {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, IdleConnTimeout: time.Minute}
	return &gqlPoster{url: url, client: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

var errGraphQL = errors.New("graphql error")

// post sends a document and reads the whole answer; an answer with errors fails.
func (g *gqlPoster) post(ctx context.Context, query string, vars map[string]any) ([]byte, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := g.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || bytes.Contains(out, []byte(`"errors"`)) {
		return nil, fmt.Errorf("%w: %d %.300s", errGraphQL, resp.StatusCode, out)
	}
	return out, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// processCPU is this process's CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
