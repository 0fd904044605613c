package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/graphql"
	"github.com/rahataid/rahat/graphql/model"
	"github.com/rahataid/rahat/internal/segment"
	"github.com/rahataid/rahat/store"
)

// The GraphQL suite (issue 5): a million indexed events, written with COPY into the tables the
// indexer creates (indexer/schema's DDL, partitioned by a million blocks), served by the real
// handler over HTTP to 50 clients, each on its own keep-alive connection, from a separate load
// generator process; every query also run as the equivalent hand-written SQL through pgx, from
// 50 goroutines of this process on a pool of the handler's size, as the baseline.
const (
	gqlTransfers   = 600_000
	gqlAllocations = 200_000
	gqlClaims      = 100_000 // created, and as many processed
	gqlHolders     = 20_000
	gqlProjects    = 10
	gqlTokens      = 3
	gqlClients     = 50
	gqlPoolConns   = 16
	gqlChain       = 1337
	gqlPageSize    = 50
	gqlDeepPages   = 10_000
)

func graphqlSuite() Suite { return Suite{Name: "graphql", Run: runGraphQLSuite} }

type gqlBench struct {
	env     *Env
	gqlPool *pgxpool.Pool // the handler's
	sqlPool *pgxpool.Pool // the baseline's
	post    *gqlPoster    // for the suite's own queries (cursors)
	url     string
	sqlURL  string // the contrast's plain HTTP endpoint
	holders [][]byte
	ids     [][]byte // a sample of Transfer ids
	tokens  [][]byte
	d, warm time.Duration
}

func runGraphQLSuite(ctx context.Context, env *Env) ([]Result, error) {
	b := &gqlBench{env: env, d: time.Duration(float64(10*time.Second) * min(env.Scale, 1)), warm: time.Second}
	gqlPool, url, err := env.NewDatabase(ctx, gqlPoolConns)
	if err != nil {
		return nil, err
	}
	defer gqlPool.Close()
	b.gqlPool = gqlPool
	if b.sqlPool, err = store.Open(ctx, url, store.PoolConfig{MaxConns: gqlPoolConns}); err != nil {
		return nil, err
	}
	defer b.sqlPool.Close()
	start := time.Now()
	n, err := b.load(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading events: %w", err)
	}
	env.Log.Info("graphql: events loaded", "events", n, "took", time.Since(start).Round(time.Millisecond))

	// As rahat serve: pages after a cursor read through a quarter-size pool with generic plans.
	keyset, err := store.Open(ctx, url, store.PoolConfig{MaxConns: max(2, gqlPoolConns/4), GenericPlans: true})
	if err != nil {
		return nil, err
	}
	defer keyset.Close()
	h, err := graphql.NewHandler(graphql.Config{DB: gqlPool, KeysetDB: keyset, Logger: env.Log, Registry: prometheus.NewRegistry(), ChainID: gqlChain})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/graphql", h)
	mux.Handle("/sql/", b.sqlHandler())
	// As rahat serve: answers leave in one write (internal/segment).
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ConnContext: segment.ConnContext}
	go srv.Serve(segment.Listener{Listener: ln}) //nolint:errcheck // ends with Close
	defer srv.Close()
	b.url = "http://" + ln.Addr().String() + "/graphql"
	b.sqlURL = "http://" + ln.Addr().String() + "/sql/"
	b.post = newGQLPoster(b.url, 1)

	var results []Result
	only := scenarioFilter(os.Getenv(gqlOnlyEnv))
	for _, sc := range b.scenarios() {
		if !only(sc.name) {
			continue
		}
		rs, err := b.measure(ctx, sc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sc.name, err)
		}
		results = append(results, rs...)
		if sc.paced && only("paced") {
			rs, err := b.measurePaced(ctx, sc)
			if err != nil {
				return nil, fmt.Errorf("%s paced: %w", sc.name, err)
			}
			results = append(results, rs...)
		}
	}
	if !only("deep pages") {
		return results, nil
	}
	deep, err := b.deepPages(ctx)
	if err != nil {
		return nil, fmt.Errorf("deep pages: %w", err)
	}
	return append(results, deep...), nil
}

// gqlOnlyEnv names a comma-separated list of the suite's parts to run ("filtered page,paced", say,
// for a quick look at one query): scenario names, "paced" for the paced runs of the scenarios
// chosen, "deep pages". Set, no report is written (the suite is incomplete).
const gqlOnlyEnv = "RAHAT_BENCH_GRAPHQL_ONLY"

// scenarioFilter reads a gqlOnlyEnv list. Empty, everything runs.
func scenarioFilter(list string) func(name string) bool {
	if strings.TrimSpace(list) == "" {
		return func(string) bool { return true }
	}
	names := strings.Split(list, ",")
	return func(name string) bool { return contains(names, name) }
}

// scenario is one representative query, as GraphQL (sent by a separate load generator process)
// and as the equivalent SQL (run in this process, as an application would).
type scenario struct {
	name string
	gql  loadSpec // Query, Var, Values, Fixed
	sql  func(ctx context.Context, rng *rand.Rand) error
	// bare is the same SQL behind a plain HTTP endpoint (graphql_sqlhttp.go), for contrast; floor
	// is an HTTP endpoint that answers without the database.
	bare, floor loadSpec
	// targets: p99 bound (0: none) and GraphQL throughput as a share of SQL's.
	p99Target  time.Duration
	rateTarget float64
	// paced also measures latency with the clients held to each of gqlPacedRates requests a
	// second in all.
	paced bool
}

// gqlPacedRates are the total request rates of the paced runs: 50 clients at 10 to 80 requests a
// second each. A latency bound is a property of a load the machine carries: at saturation, 50
// closed-loop clients wait 50/throughput on average whatever the server does (Little's law), so the
// sweep shows up to which rate the bound holds, for GraphQL and for the SQL baseline alike.
var gqlPacedRates = []int{500, 1000, 2000, 4000}

const (
	transferCols = "id from to value blockNumber blockTimestamp transactionHash"
	transferSQL  = `SELECT tx_hash, log_index, "from", "to", value::text, block_number, block_timestamp FROM evt_rahat_token_transfer`
)

func hexAll(xs [][]byte) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = hexB(x)
	}
	return out
}

func (b *gqlBench) scenarios() []scenario {
	pick := func(rng *rand.Rand, xs [][]byte) []byte { return xs[rng.IntN(len(xs))] }
	return []scenario{
		{
			name:  "by id",
			gql:   loadSpec{Query: `query($id: ID!) { transfer(id: $id) { ` + transferCols + ` } }`, Var: "id", Values: hexAll(b.ids)},
			bare:  loadSpec{URL: b.sqlURL + "transfer", Bare: true, Var: "id", Values: hexAll(b.ids)},
			floor: loadSpec{URL: b.sqlURL + "none", Bare: true, Var: "id", Values: hexAll(b.ids)},
			sql: func(ctx context.Context, rng *rand.Rand) error {
				id := pick(rng, b.ids)
				return scanTransfers(b.sqlPool.Query(ctx, transferSQL+` WHERE tx_hash = $1 AND log_index = $2 AND chain_id = $3`,
					id[:32], int32(id[32])|int32(id[33])<<8, gqlChain))
			},
			rateTarget: 0.5,
		},
		{
			name: "filtered page",
			gql: loadSpec{Query: `query($to: Bytes!) { transfers(first: 100, where: {to: $to}, orderBy: blockNumber, orderDirection: desc) { ` + transferCols + ` } }`,
				Var: "to", Values: hexAll(b.holders)},
			bare: loadSpec{URL: b.sqlURL + "transfers", Bare: true, Var: "to", Values: hexAll(b.holders)},
			sql: func(ctx context.Context, rng *rand.Rand) error {
				return scanTransfers(b.sqlPool.Query(ctx, transferSQL+` WHERE chain_id = $1 AND "to" = $2 ORDER BY block_number DESC, log_index DESC LIMIT 100`,
					gqlChain, pick(rng, b.holders)))
			},
			p99Target: 10 * time.Millisecond, rateTarget: 0.5, paced: true,
		},
		{
			name: "aggregate",
			gql: loadSpec{Query: `query($t: Bytes!) { tokensAllocatedsAggregate(where: {token: $t}, groupBy: [contractAddress]) { contractAddress count sum { amount } } }`,
				Var: "t", Values: hexAll(b.tokens)},
			sql: func(ctx context.Context, rng *rand.Rand) error {
				rows, err := b.sqlPool.Query(ctx, `SELECT contract, count(*), sum(amount)::text FROM evt_rahat_project_tokens_allocated
					WHERE chain_id = $1 AND token = $2 GROUP BY contract ORDER BY contract`, gqlChain, pick(rng, b.tokens))
				if err != nil {
					return err
				}
				var c []byte
				var n int64
				var s string
				_, err = pgx.ForEachRow(rows, []any{&c, &n, &s}, func() error { return nil })
				return err
			},
			rateTarget: 0.5,
		},
	}
}

// remote runs a spec from a load generator process with the suite's clients and timing (against
// the GraphQL endpoint unless the spec names a URL).
func (b *gqlBench) remote(ctx context.Context, spec loadSpec, period, d time.Duration) (loadStats, error) {
	spec.URL = cmp.Or(spec.URL, b.url)
	spec.Clients, spec.Period, spec.Warm, spec.D = gqlClients, period, b.warm, d
	return runRemote(ctx, spec, b.cpu(ctx))
}

func scanTransfers(rows pgx.Rows, err error) error {
	if err != nil {
		return err
	}
	var tx, from, to []byte
	var li int32
	var v string
	var bn, bt int64
	_, err = pgx.ForEachRow(rows, []any{&tx, &li, &from, &to, &v, &bn, &bt}, func() error { return nil })
	return err
}

func hexB(b []byte) string { return model.Bytes(b).String() }

// measure runs a scenario as GraphQL and as SQL, twice each, alternating, and reports the better
// run of each (the machine may be shared: alternating spreads its other load over both). With
// RAHAT_BENCH_GRAPHQL_PROFILE=dir, the GraphQL runs write CPU profiles there (this process holds
// the handler and the load generator).
func (b *gqlBench) measure(ctx context.Context, sc scenario) ([]Result, error) {
	var g, s, h, f loadStats
	for round := range 2 {
		gr, err := b.profiled(sc.name, round, func() (loadStats, error) { return b.remote(ctx, sc.gql, 0, b.d/2) })
		if err != nil {
			return nil, fmt.Errorf("graphql: %w", err)
		}
		sr, err := runLoad(ctx, gqlClients, b.warm, b.d/2, sc.sql, b.cpu(ctx))
		if err != nil {
			return nil, fmt.Errorf("sql: %w", err)
		}
		g, s = better(g, gr), better(s, sr)
		if sc.bare.URL != "" {
			hr, err := b.remote(ctx, sc.bare, 0, b.d/2)
			if err != nil {
				return nil, fmt.Errorf("sql over http: %w", err)
			}
			h = better(h, hr)
		}
		if sc.floor.URL != "" {
			fr, err := b.remote(ctx, sc.floor, 0, b.d/2)
			if err != nil {
				return nil, fmt.Errorf("http floor: %w", err)
			}
			f = better(f, fr)
		}
	}
	b.env.Log.Info("graphql: scenario", "name", sc.name, "graphql_p50", g.p50, "graphql_p99", g.p99, "graphql_rps", int(g.rate), "graphql_cpu", g.cpu, "client_cpu", g.clientCPU,
		"sql_p50", s.p50, "sql_p99", s.p99, "sql_rps", int(s.rate), "sql_cpu", s.cpu,
		"http_sql_rps", int(h.rate), "http_sql_cpu", h.cpu, "http_sql_client_cpu", h.clientCPU,
		"http_floor_rps", int(f.rate), "http_floor_cpu", f.cpu, "http_floor_client_cpu", f.clientCPU, "load", loadAvg())
	name := "graphql " + sc.name + fmt.Sprintf(" (%d clients)", gqlClients)
	base := "hand-written SQL via pgx, same clients"
	p99 := Result{Name: name + " p99", Value: ms(g.p99), Unit: "ms", Baseline: base, BaselineValue: ms(s.p99), Ratio: ms(g.p99) / ms(s.p99), Target: "none", Met: true}
	if sc.p99Target > 0 {
		p99.Target, p99.Met = fmt.Sprintf("< %d ms", sc.p99Target.Milliseconds()), g.p99 < sc.p99Target
	}
	rs := []Result{
		{Name: name + " p50", Value: ms(g.p50), Unit: "ms", Baseline: base, BaselineValue: ms(s.p50), Ratio: ms(g.p50) / ms(s.p50), Target: "none", Met: true},
		p99,
		{Name: name + " throughput", Value: g.rate, Unit: "req/s", Baseline: base, BaselineValue: s.rate, Ratio: g.rate / s.rate,
			Target: fmt.Sprintf(">= %.0f%% of SQL", 100*sc.rateTarget), Met: g.rate >= sc.rateTarget*s.rate},
		// Requests per CPU-second (this process and Postgres): the throughput the machine would give
		// if nothing else ran on it; a shared machine's other load does not move it much.
		{Name: name + " throughput per CPU-second", Value: 1 / g.cpu.Seconds(), Unit: "req/cpu-s", Baseline: base, BaselineValue: 1 / s.cpu.Seconds(),
			Ratio: s.cpu.Seconds() / g.cpu.Seconds(), Target: fmt.Sprintf(">= %.0f%% of SQL", 100*sc.rateTarget), Met: s.cpu.Seconds()/g.cpu.Seconds() >= sc.rateTarget},
	}
	if h.n > 0 {
		bare := "the same SQL behind a plain net/http + encoding/json endpoint, same clients"
		rs = append(rs,
			Result{Name: name + " throughput vs SQL over HTTP", Value: g.rate, Unit: "req/s", Baseline: bare, BaselineValue: h.rate, Ratio: g.rate / h.rate, Target: "none (contrast)", Met: true},
			Result{Name: name + " throughput per CPU-second vs SQL over HTTP", Value: 1 / g.cpu.Seconds(), Unit: "req/cpu-s", Baseline: bare, BaselineValue: 1 / h.cpu.Seconds(),
				Ratio: h.cpu.Seconds() / g.cpu.Seconds(), Target: "none (contrast)", Met: true})
	}
	if f.n > 0 {
		// What HTTP alone costs the machine per request (server and load generator), and so the most
		// GraphQL over HTTP could reach against SQL in process if each request ran its own statement:
		// SQL's CPU / (SQL's + HTTP's). Merged statements (graphql/query/coalesce.go) go past it.
		httpCPU := f.cpu + f.clientCPU
		rs = append(rs, Result{Name: fmt.Sprintf("http floor: a fixed answer without the database (%d clients), CPU per request incl. load generator", gqlClients),
			Value: float64(httpCPU.Microseconds()), Unit: "µs", Baseline: "graphql " + sc.name + ", same, incl. load generator", BaselineValue: float64((g.cpu + g.clientCPU).Microseconds()),
			Ratio: float64(httpCPU) / float64(g.cpu+g.clientCPU), Target: fmt.Sprintf("none (with a statement per request, SQL's CPU plus this allows at most %.2f of SQL's throughput)", float64(s.cpu)/float64(s.cpu+httpCPU)), Met: true})
	}
	return rs, nil
}

// better is the run with the higher throughput.
func better(a, b loadStats) loadStats {
	if b.rate > a.rate {
		return b
	}
	return a
}

// profiled runs f, under a CPU profile when RAHAT_BENCH_GRAPHQL_PROFILE names a directory.
func (b *gqlBench) profiled(name string, round int, f func() (loadStats, error)) (loadStats, error) {
	dir := os.Getenv("RAHAT_BENCH_GRAPHQL_PROFILE")
	if dir == "" {
		return f()
	}
	file, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s_%d.pprof", strings.ReplaceAll(name, " ", "_"), round)))
	if err != nil {
		return loadStats{}, err
	}
	defer file.Close()
	if err := pprof.StartCPUProfile(file); err != nil {
		return loadStats{}, err
	}
	defer pprof.StopCPUProfile()
	return f()
}

// measurePaced runs a scenario at each of gqlPacedRates requests a second from the same 50
// clients: latency at loads the machine carries, rather than at saturation.
func (b *gqlBench) measurePaced(ctx context.Context, sc scenario) ([]Result, error) {
	var rs []Result
	for _, rate := range gqlPacedRates {
		period := time.Duration(gqlClients) * time.Second / time.Duration(rate)
		g, err := b.remote(ctx, sc.gql, period, b.d)
		if err != nil {
			return nil, fmt.Errorf("graphql at %d req/s: %w", rate, err)
		}
		s, err := runPaced(ctx, gqlClients, period, b.warm, b.d, sc.sql, b.cpu(ctx))
		if err != nil {
			return nil, fmt.Errorf("sql at %d req/s: %w", rate, err)
		}
		b.env.Log.Info("graphql: paced scenario", "name", sc.name, "rate", rate, "graphql_p50", g.p50, "graphql_p99", g.p99, "graphql_rps", int(g.rate),
			"sql_p50", s.p50, "sql_p99", s.p99, "sql_rps", int(s.rate), "load", loadAvg())
		name := fmt.Sprintf("graphql %s (%d clients, %d req/s in all)", sc.name, gqlClients, rate)
		base := "hand-written SQL via pgx, same clients and rate"
		rs = append(rs,
			Result{Name: name + " p50", Value: ms(g.p50), Unit: "ms", Baseline: base, BaselineValue: ms(s.p50), Ratio: ms(g.p50) / ms(s.p50), Target: "none", Met: true},
			Result{Name: name + " p99", Value: ms(g.p99), Unit: "ms", Baseline: base, BaselineValue: ms(s.p99), Ratio: ms(g.p99) / ms(s.p99),
				Target: fmt.Sprintf("< %d ms", sc.p99Target.Milliseconds()), Met: g.p99 < sc.p99Target})
	}
	return rs, nil
}

// deepPages compares a connection page 10,000 pages deep with the first page (GraphQL, keyset
// cursors), and shows what the same depth costs with OFFSET in SQL.
func (b *gqlBench) deepPages(ctx context.Context) ([]Result, error) {
	// A cursor at row 500,000 of the default order: the first row at or after its block, taken from
	// a filtered connection (a cursor names a position in an order, whatever the filter).
	var deepBlock int64
	if err := b.sqlPool.QueryRow(ctx, `SELECT block_number FROM evt_rahat_token_transfer WHERE chain_id = $1
		ORDER BY block_number, log_index OFFSET $2 LIMIT 1`, gqlChain, gqlPageSize*gqlDeepPages).Scan(&deepBlock); err != nil {
		return nil, err
	}
	out, err := b.post.post(ctx, fmt.Sprintf(`{ transfersConnection(first: 1, where: {blockNumber_gte: "%d"}) { pageInfo { endCursor } } }`, deepBlock), nil)
	if err != nil {
		return nil, err
	}
	var c struct {
		Data struct {
			TransfersConnection struct{ PageInfo struct{ EndCursor string } }
		}
	}
	if err := json.Unmarshal(out, &c); err != nil {
		return nil, err
	}
	cursor := c.Data.TransfersConnection.PageInfo.EndCursor
	// And a cursor at the end of the first page: the second page reads after a cursor too.
	if out, err = b.post.post(ctx, fmt.Sprintf(`{ transfersConnection(first: %d) { pageInfo { endCursor } } }`, gqlPageSize), nil); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(out, &c); err != nil {
		return nil, err
	}
	second := c.Data.TransfersConnection.PageInfo.EndCursor
	page := fmt.Sprintf(`query($after: String) { transfersConnection(first: %d, after: $after) { edges { cursor node { %s } } pageInfo { hasNextPage endCursor } } }`, gqlPageSize, transferCols)
	run := func(after any) (loadStats, error) {
		return b.remote(ctx, loadSpec{Query: page, Fixed: map[string]any{"after": after}}, 0, b.d/2)
	}
	// Alternating, the better of two runs each, as measure does: the machine's other load moves
	// between runs.
	var first, near, deep loadStats
	for range 2 {
		fr, err := run(nil)
		if err != nil {
			return nil, err
		}
		nr, err := run(second)
		if err != nil {
			return nil, err
		}
		dr, err := run(cursor)
		if err != nil {
			return nil, err
		}
		first, near, deep = better(first, fr), better(near, nr), better(deep, dr)
	}
	offset, err := runLoad(ctx, 4, b.warm, b.d/2, func(ctx context.Context, _ *rand.Rand) error {
		return scanTransfers(b.sqlPool.Query(ctx, transferSQL+` WHERE chain_id = $1 ORDER BY block_number, log_index LIMIT $2 OFFSET $3`,
			gqlChain, gqlPageSize, gqlPageSize*gqlDeepPages))
	}, b.cpu(ctx))
	if err != nil {
		return nil, err
	}
	b.env.Log.Info("graphql: deep pages", "first_p50", first.p50, "first_p99", first.p99, "first_cpu", first.cpu, "second_p50", near.p50, "second_p99", near.p99, "second_cpu", near.cpu,
		"deep_p50", deep.p50, "deep_p99", deep.p99, "deep_cpu", deep.cpu, "sql_offset_p50", offset.p50)
	name := fmt.Sprintf("graphql cursor page %d pages deep (%d clients)", gqlDeepPages, gqlClients)
	base := "graphql first page, same clients"
	return []Result{
		{Name: name + " p50", Value: ms(deep.p50), Unit: "ms", Baseline: base, BaselineValue: ms(first.p50), Ratio: ms(deep.p50) / ms(first.p50),
			Target: "as fast as the first page (ratio <= 1.25)", Met: ms(deep.p50) <= 1.25*ms(first.p50)},
		{Name: name + " p99", Value: ms(deep.p99), Unit: "ms", Baseline: base, BaselineValue: ms(first.p99), Ratio: ms(deep.p99) / ms(first.p99),
			Target: "as fast as the first page (ratio <= 1.25)", Met: ms(deep.p99) <= 1.25*ms(first.p99)},
		// Depth alone: both pages read after a cursor. A statement with a cursor on the partitioned
		// event tables is planned again on every execution (Postgres keeps custom plans, which prune
		// partitions by the cursor's block), which the first page's statement is not.
		{Name: name + " p50 vs the second page", Value: ms(deep.p50), Unit: "ms", Baseline: "graphql second page (after a cursor), same clients", BaselineValue: ms(near.p50),
			Ratio: ms(deep.p50) / ms(near.p50), Target: "none (depth alone)", Met: true},
		{Name: name + " p99 vs the second page", Value: ms(deep.p99), Unit: "ms", Baseline: "graphql second page (after a cursor), same clients", BaselineValue: ms(near.p99),
			Ratio: ms(deep.p99) / ms(near.p99), Target: "none (depth alone)", Met: true},
		{Name: fmt.Sprintf("sql OFFSET page %d pages deep p50 (4 clients, for contrast)", gqlDeepPages), Value: ms(offset.p50), Unit: "ms",
			Baseline: "graphql cursor page as deep", BaselineValue: ms(deep.p50), Ratio: ms(offset.p50) / ms(deep.p50), Target: "none", Met: true},
	}, nil
}
