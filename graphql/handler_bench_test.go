package graphql_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/graphql"
	"github.com/rahataid/rahat/graphql/internal/fixture"
	"github.com/rahataid/rahat/graphql/model"
	"github.com/rahataid/rahat/internal/pgtest"
)

const (
	benchTransfers = 60_000
	benchHolders   = 600 // 100 transfers to each on average, as a full page
	benchCols      = "id from to value blockNumber blockTimestamp transactionHash"
	benchSQL       = `SELECT tx_hash, log_index, "from", "to", value::text, block_number, block_timestamp FROM evt_rahat_token_transfer`
)

type benchData struct {
	db      *pgxpool.Pool
	h       http.Handler
	ids     [][]byte
	holders [][]byte
}

func newBenchData(b *testing.B) *benchData {
	b.Helper()
	ctx := context.Background()
	db := pgtest.New(b)
	tables, err := fixture.Tables(ctx, db)
	must(b, err)
	d := &benchData{db: db}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range benchHolders {
		a := fixture.Addr(byte(i))
		a[1], a[2] = 0xbe, byte(i>>8)
		d.holders = append(d.holders, a)
	}
	t := tables["Transfer"]
	k := 0
	next := func() ([]any, error) {
		if k == benchTransfers {
			return nil, nil
		}
		block := int64(1 + k*5/2)
		tx := make([]byte, 32)
		for i := range tx {
			tx[i] = byte(rng.Uint32())
		}
		if k%(benchTransfers/1000) == 0 {
			d.ids = append(d.ids, append(append([]byte{}, tx...), model.LE32(3)...))
		}
		k++
		return []any{int64(fixture.ChainID), fixture.Addr(1), block, fixture.BlockHash(block), 1_700_000_000 + 12*block, tx, int32(0), int32(3),
			d.holders[rng.IntN(benchHolders)], d.holders[rng.IntN(benchHolders)], fixture.Num(rng.Int64N(1e12))}, nil
	}
	_, err = db.CopyFrom(ctx, t.Identifier(), t.ColumnNames(), pgx.CopyFromFunc(next))
	must(b, err)
	_, err = db.Exec(ctx, `VACUUM (ANALYZE) evt_rahat_token_transfer`)
	must(b, err)
	last := int64(1 + (benchTransfers-1)*5/2)
	must(b, fixture.Checkpoint(ctx, db, last, 1_700_000_000+12*last))
	d.h, err = graphql.NewHandler(graphql.Config{DB: db, Logger: testLogger(b), Registry: prometheus.NewRegistry(), ChainID: fixture.ChainID})
	must(b, err)
	return d
}

// bodies pre-encodes one request body per value, as a load generator that reuses its requests.
func bodies(query, name string, vals [][]byte) [][]byte {
	out := make([][]byte, len(vals))
	for i, v := range vals {
		out[i], _ = json.Marshal(map[string]any{"query": query, "variables": map[string]any{name: hexOf(v)}})
	}
	return out
}

// discard is a ResponseWriter that keeps nothing but the status, so that the benchmark measures
// the handler and not a recorder.
type discard struct {
	h      http.Header
	status int
	n      int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(s int)           { d.status = s }
func (d *discard) Write(p []byte) (int, error) { d.n += len(p); return len(p), nil }

// BenchmarkHandler measures the CPU of a request on the bench's two hot shapes (a Transfer by id,
// a filtered page of 100) through the real handler (ServeHTTP without the network, so that the
// figure is the handler's own) on a real Postgres, from 50 concurrent callers, beside the same
// reads in hand-written SQL through pgx. Besides ns/op (wall time, which the machine's other load
// moves), it reports go-µs/op and pg-µs/op: the CPU time of this process and of the database's
// backends per request. Profile with
//
//	go test ./graphql -run '^$' -bench Handler -cpuprofile cpu.out
//
// The bench program (go run ./bench -only graphql) measures the same shapes over HTTP, with a
// million rows, from a separate load generator process.
func BenchmarkHandler(b *testing.B) {
	d := newBenchData(b)
	cases := []struct {
		name   string
		bodies [][]byte
		sql    func(ctx context.Context, rng *rand.Rand) error
	}{
		{
			name:   "by id",
			bodies: bodies(`query($id: ID!) { transfer(id: $id) { `+benchCols+` } }`, "id", d.ids),
			sql: func(ctx context.Context, rng *rand.Rand) error {
				id := d.ids[rng.IntN(len(d.ids))]
				return scanBenchRows(d.db.Query(ctx, benchSQL+` WHERE tx_hash = $1 AND log_index = $2 AND chain_id = $3`, id[:32], int32(3), fixture.ChainID))
			},
		},
		{
			name: "filtered page",
			bodies: bodies(`query($to: Bytes!) { transfers(first: 100, where: {to: $to}, orderBy: blockNumber, orderDirection: desc) { `+benchCols+` } }`,
				"to", d.holders),
			sql: func(ctx context.Context, rng *rand.Rand) error {
				return scanBenchRows(d.db.Query(ctx, benchSQL+` WHERE chain_id = $1 AND "to" = $2 ORDER BY block_number DESC, log_index DESC LIMIT 100`,
					fixture.ChainID, d.holders[rng.IntN(len(d.holders))]))
			},
		},
	}
	for _, c := range cases {
		b.Run(c.name+"/graphql", func(b *testing.B) {
			// The answer must be data, not errors, or the benchmark measures the wrong thing.
			rec := httptest.NewRecorder()
			d.h.ServeHTTP(rec, benchRequest(c.bodies[0]))
			if rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
				b.Fatalf("%d %s", rec.Code, rec.Body.Bytes())
			}
			b.ReportAllocs()
			b.SetParallelism(25) // 50 clients on 2 cores, as the bench
			defer reportCPU(b, d.db)()
			b.RunParallel(func(pb *testing.PB) {
				rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
				w := &discard{h: http.Header{}}
				for pb.Next() {
					clear(w.h)
					d.h.ServeHTTP(w, benchRequest(c.bodies[rng.IntN(len(c.bodies))]))
				}
			})
		})
		b.Run(c.name+"/sql", func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(25)
			defer reportCPU(b, d.db)()
			b.RunParallel(func(pb *testing.PB) {
				rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
				for pb.Next() {
					if err := c.sql(b.Context(), rng); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// benchRequest is a POST as net/http's server hands it to the handler (httptest.NewRequest would
// cost the benchmark more than the handler's work).
func benchRequest(body []byte) *http.Request {
	return &http.Request{
		Method: http.MethodPost, URL: &url.URL{Path: "/graphql"}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Host:          "localhost",
	}
}

func scanBenchRows(rows pgx.Rows, err error) error {
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

// reportCPU starts counting the CPU time of this process and of the database's backends; the
// function it returns reports both per operation (go-µs/op, pg-µs/op): the cost of a request,
// whatever else runs on the machine.
func reportCPU(b *testing.B, db *pgxpool.Pool) func() {
	b.Helper()
	g0, p0 := processCPU(), backendsCPU(b, db)
	return func() {
		g, p := processCPU()-g0, backendsCPU(b, db)-p0
		b.ReportMetric(float64(g.Microseconds())/float64(b.N), "go-µs/op")
		b.ReportMetric(float64(p.Microseconds())/float64(b.N), "pg-µs/op")
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// backendsCPU sums the user and system time of the database's backends from /proc (the pool
// keeps its connections through a run).
func backendsCPU(b *testing.B, db *pgxpool.Pool) time.Duration {
	b.Helper()
	rows, err := db.Query(context.Background(), `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		b.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		b.Fatal(err)
	}
	var ticks int64
	for _, pid := range pids {
		raw, err := os.ReadFile("/proc/" + strconv.Itoa(int(pid)) + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+2:]))
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + s
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}
