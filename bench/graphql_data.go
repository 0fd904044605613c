package main

import (
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/graphql/model"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/schema"
)

// The GraphQL suite's data and measurements of CPU.

// load creates the event tables as the indexer does and COPYs a million events into them.
func (b *gqlBench) load(ctx context.Context) (int, error) {
	rng := rand.New(rand.NewPCG(5, 5))
	addr := func(kind byte, i int) []byte {
		a := make([]byte, 20)
		a[0], a[1], a[18], a[19] = kind, byte(i>>16), byte(i>>8), byte(i)
		return a
	}
	for i := range gqlHolders {
		b.holders = append(b.holders, addr(0xbe, i))
	}
	var projects [][]byte
	for i := range gqlProjects {
		projects = append(projects, addr(0x90, i))
	}
	for i := range gqlTokens {
		b.tokens = append(b.tokens, addr(0x70, i))
	}
	num := func(max int64) pgtype.Numeric {
		return pgtype.Numeric{Int: new(big.Int).Mul(big.NewInt(1+rng.Int64N(max)), big.NewInt(1e15)), Valid: true}
	}
	hash := func() []byte {
		h := make([]byte, 32)
		for i := 0; i < 32; i += 8 {
			v := rng.Uint64()
			for j := range 8 {
				h[i+j] = byte(v >> (8 * j))
			}
		}
		return h
	}
	type table struct {
		contract, event string
		n               int
		blockOf         func(k int) int64
		logIndex        int32
		params          func(k int) []any
		emitter         func(k int) []byte
	}
	tables := []table{
		{"RahatToken", "Transfer", gqlTransfers, func(k int) int64 { return 1 + int64(k)*5/2 }, 3,
			func(int) []any {
				return []any{b.holders[rng.IntN(gqlHolders)], b.holders[rng.IntN(gqlHolders)], num(1e6)}
			},
			func(k int) []byte { return b.tokens[k%gqlTokens] }},
		{"RahatProject", "TokensAllocated", gqlAllocations, func(k int) int64 { return 1 + int64(k)*15/2 }, 5,
			func(k int) []any { return []any{b.tokens[k%gqlTokens], b.holders[rng.IntN(gqlHolders)], num(1e4)} },
			func(k int) []byte { return projects[k%gqlProjects] }},
		{"RahatProject", "ClaimCreated", gqlClaims, func(k int) int64 { return 2 + int64(k)*15 }, 7,
			func(k int) []any {
				return []any{pgtype.Numeric{Int: big.NewInt(int64(k)), Valid: true}, addr(0xfe, k%500), b.holders[rng.IntN(gqlHolders)], b.tokens[k%gqlTokens], addr(0x0f, 0), num(100)}
			},
			func(k int) []byte { return projects[k%gqlProjects] }},
		{"RahatProject", "ClaimProcessed", gqlClaims, func(k int) int64 { return 9 + int64(k)*15 }, 9,
			func(k int) []any {
				return []any{b.holders[rng.IntN(gqlHolders)], addr(0xfe, k%500), b.tokens[k%gqlTokens], num(100)}
			},
			func(k int) []byte { return projects[k%gqlProjects] }},
	}
	// Every table of every contract exists, as after the indexer's start.
	all, err := schema.ForContracts(contracts.Names(), contracts.ABI)
	if err != nil {
		return 0, err
	}
	byEvent := map[string]*schema.Table{}
	for _, t := range all {
		byEvent[t.Contract+"."+t.Event] = t
		if _, err := b.gqlPool.Exec(ctx, t.CreateSQL()[0]); err != nil {
			return 0, err
		}
		for from := uint64(0); from < 2_000_000; from += 1_000_000 {
			if _, err := b.gqlPool.Exec(ctx, t.PartitionSQL(from, from+1_000_000)); err != nil {
				return 0, err
			}
		}
	}
	total := 0
	for _, tb := range tables {
		t := byEvent[tb.contract+"."+tb.event]
		k := 0
		next := func() ([]any, error) {
			if k == tb.n {
				return nil, nil
			}
			block := tb.blockOf(k)
			tx := hash()
			if tb.event == "Transfer" && len(b.ids) < 10_000 && k%(tb.n/10_000) == 0 {
				b.ids = append(b.ids, append(append([]byte{}, tx...), model.LE32(int(tb.logIndex))...))
			}
			row := []any{int64(gqlChain), tb.emitter(k), block, hash(), 1_700_000_000 + 12*block, tx, int32(0), tb.logIndex}
			row = append(row, tb.params(k)...)
			k++
			return row, nil
		}
		if _, err := b.gqlPool.CopyFrom(ctx, t.Identifier(), t.ColumnNames(), pgx.CopyFromFunc(next)); err != nil {
			return 0, fmt.Errorf("copying into %s: %w", t.Name, err)
		}
		total += tb.n
	}
	for _, t := range all {
		for _, s := range t.CreateSQL()[1:] {
			if _, err := b.gqlPool.Exec(ctx, s); err != nil {
				return 0, err
			}
		}
	}
	// As rahat index does once its backfill is done (index.covering_indexes, on by default).
	size0, err := b.eventsSize(ctx)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	built, err := indexer.BuildCoveringIndexes(ctx, b.gqlPool, all, b.env.Log)
	if err != nil {
		return 0, err
	}
	size1, err := b.eventsSize(ctx)
	if err != nil {
		return 0, err
	}
	b.env.Log.Info("graphql: covering indexes built", "partition_indexes", built, "took", time.Since(start).Round(time.Millisecond),
		"events_mb_before", size0>>20, "events_mb_after", size1>>20)
	// VACUUM too: left to autovacuum, the vacuum of a million fresh rows would run during the
	// first measurements. And a CHECKPOINT, for the same reason: the load's WAL (and in a full
	// make bench, the indexer suite's before it) would have the checkpointer write gigabytes
	// during the measurements.
	for _, s := range []string{`VACUUM (ANALYZE)`, `CHECKPOINT`} {
		if _, err := b.gqlPool.Exec(ctx, s); err != nil {
			return 0, fmt.Errorf("%s: %w", s, err)
		}
	}
	last := tables[0].blockOf(gqlTransfers - 1)
	_, err = b.gqlPool.Exec(ctx, `INSERT INTO indexer_chains (chain_id, network, start_block, indexed_block, indexed_hash, indexed_timestamp)
		VALUES ($1, 'bench', 1, $2, $3, $4)`, gqlChain, last, hash(), 1_700_000_000+12*last)
	return total, err
}

// eventsSize is the size of the event tables' partitions with their indexes, in bytes.
func (b *gqlBench) eventsSize(ctx context.Context) (int64, error) {
	var n int64
	err := b.gqlPool.QueryRow(ctx, `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::int8 FROM pg_class c
		WHERE c.relkind = 'r' AND c.relname LIKE 'evt\_%'`).Scan(&n)
	return n, err
}

// cpu returns a probe of the CPU time used so far by this process and the database's backends.
func (b *gqlBench) cpu(ctx context.Context) func() time.Duration {
	return func() time.Duration { return processCPU() + b.pgCPU(ctx) }
}

// loadAvg is the machine's one-minute load average, logged with each figure (the machine may be
// shared).
func loadAvg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(raw))[0]
}

// pgCPU returns the CPU time (user and system) of the database's backends, from /proc: it counts
// the backends of the connections open now (the pools keep theirs during a run).
func (b *gqlBench) pgCPU(ctx context.Context) time.Duration {
	rows, err := b.sqlPool.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		return 0
	}
	pids, _ := pgx.CollectRows(rows, pgx.RowTo[int32])
	var total int64
	for _, pid := range pids {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
		var u, s int64
		fmt.Sscan(f[11], &u)
		fmt.Sscan(f[12], &s)
		total += u + s
	}
	return time.Duration(total) * time.Second / 100 // USER_HZ
}
