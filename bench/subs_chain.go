package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/schema"
)

// The subscription suite's chain: blocks written to the database exactly as the indexer commits
// them (event rows, the block hash, the checkpoint and pg_notify in one transaction), so that the
// commit time of every block is known to the microsecond and nothing else (no node, no indexer
// loop) runs while subscribers are measured.

// subsChain writes one block at a time, each with one ClaimCreated event of one of subsProjects
// projects (the event tables exist, as after the indexer's start).
type subsChain struct {
	db    *pgxpool.Pool
	claim *schema.Table
	next  uint64 // the next block number
}

const (
	subsChainID  = 1337
	subsProjects = 10

	subsUpsertBlockSQL = `
INSERT INTO indexer_blocks (chain_id, number, hash, parent_hash, timestamp) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (chain_id, number) DO UPDATE SET hash = EXCLUDED.hash, parent_hash = EXCLUDED.parent_hash, timestamp = EXCLUDED.timestamp`
	subsCheckpointSQL = `
UPDATE indexer_chains SET indexed_block = $2::int8, indexed_hash = $3, indexed_parent_hash = $4,
	indexed_timestamp = $5, head_block = $2::int8, finalized_block = $2::int8 - 64, updated_at = now()
WHERE chain_id = $1`
	subsNotifySQL = `SELECT pg_notify($1, $2)`
)

// newSubsChain creates every event table and the chain's checkpoint row in db.
func newSubsChain(ctx context.Context, db *pgxpool.Pool) (*subsChain, error) {
	c := &subsChain{db: db, next: 1}
	ts, err := schema.ForContracts(contracts.Names(), contracts.ABI)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		stmts := append([]string{t.CreateSQL()[0], t.PartitionSQL(0, 1_000_000)}, t.CreateSQL()[1:]...)
		for _, s := range stmts {
			if _, err := db.Exec(ctx, s); err != nil {
				return nil, fmt.Errorf("creating %s: %w", t.Name, err)
			}
		}
		if t.Contract == contracts.RahatProject && t.Event == "ClaimCreated" {
			c.claim = t
		}
	}
	if c.claim == nil {
		return nil, errors.New("RahatProject has no ClaimCreated table")
	}
	if _, err := db.Exec(ctx, `INSERT INTO indexer_chains (chain_id, network, start_block, indexed_block, indexed_hash, indexed_timestamp)
		VALUES ($1, 'bench', 1, 0, $2, $3)`, subsChainID, subsHash(0), subsTime(0)); err != nil {
		return nil, fmt.Errorf("creating the checkpoint: %w", err)
	}
	return c, nil
}

func subsHash(n uint64) []byte {
	h := make([]byte, 32)
	h[0] = 0xb1
	binary.BigEndian.PutUint64(h[24:], n)
	return h
}

func subsTime(n uint64) int64 { return 1_700_000_000 + 12*int64(n) }

func subsAddr(kind byte, i int) []byte {
	a := make([]byte, 20)
	a[0], a[18], a[19] = kind, byte(i>>8), byte(i)
	return a
}

// commit writes the next block and returns its number and the time just before COMMIT was sent
// (Postgres delivers the notification when the commit completes, which can be before the writer
// hears of it; the latency measured from here includes the commit).
func (c *subsChain) commit(ctx context.Context) (uint64, time.Time, error) {
	n := c.next
	tx, err := c.db.Begin(ctx)
	if err != nil {
		return 0, time.Time{}, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after commit
	k := int(n)
	row := []any{int64(subsChainID), subsAddr(0x90, k%subsProjects), int64(n), subsHash(n), subsTime(n), subsHash(n + 1<<40), int32(0), int32(0),
		pgtype.Numeric{Int: big.NewInt(int64(k)), Valid: true}, subsAddr(0xfe, k%500), subsAddr(0xbe, k), subsAddr(0x70, 0), subsAddr(0x0f, 0),
		pgtype.Numeric{Int: big.NewInt(100), Valid: true}}
	if _, err := tx.CopyFrom(ctx, c.claim.Identifier(), c.claim.ColumnNames(), pgx.CopyFromRows([][]any{row})); err != nil {
		return 0, time.Time{}, fmt.Errorf("writing block %d's event: %w", n, err)
	}
	if _, err := tx.Exec(ctx, subsUpsertBlockSQL, int64(subsChainID), int64(n), subsHash(n), subsHash(n-1), subsTime(n)); err != nil {
		return 0, time.Time{}, fmt.Errorf("writing block %d: %w", n, err)
	}
	if _, err := tx.Exec(ctx, subsCheckpointSQL, int64(subsChainID), int64(n), subsHash(n), subsHash(n-1), subsTime(n)); err != nil {
		return 0, time.Time{}, fmt.Errorf("moving the checkpoint to %d: %w", n, err)
	}
	note := indexer.Notification{ChainID: subsChainID, From: n, To: n, Hash: common.BytesToHash(subsHash(n)),
		Timestamp: uint64(subsTime(n)), Tables: []string{c.claim.Name}}
	payload, err := json.Marshal(note)
	if err != nil {
		return 0, time.Time{}, err
	}
	if _, err := tx.Exec(ctx, subsNotifySQL, indexer.NotifyChannel, string(payload)); err != nil {
		return 0, time.Time{}, fmt.Errorf("notifying block %d: %w", n, err)
	}
	at := time.Now()
	if err := tx.Commit(ctx); err != nil {
		return 0, time.Time{}, fmt.Errorf("committing block %d: %w", n, err)
	}
	c.next++
	return n, at, nil
}

// raiseFDLimit raises this process's open-file limit to its hard limit and fails if that is below
// need (0: no check).
func raiseFDLimit(need int) (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("reading the open-file limit: %w", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, fmt.Errorf("raising the open-file limit to %d: %w", lim.Max, err)
		}
	}
	if need > 0 && lim.Cur < uint64(need) {
		return lim.Cur, fmt.Errorf("the open-file limit is %d (hard limit %d) but %d subscribers need about %d descriptors in each of the server and the client process: raise it (ulimit -Hn, or LimitNOFILE= / docker --ulimit nofile=) and run again",
			lim.Cur, lim.Max, need-subsFDSlack, need)
	}
	return lim.Cur, nil
}

// subsFDSlack is what a process needs besides one descriptor per connection: the database pools,
// the listener, the binary's files.
const subsFDSlack = 512

// memSnap is the server process's memory at one moment, after a full collection.
type memSnap struct {
	rss   int64  // VmRSS
	heap  uint64 // live heap objects
	stack uint64 // goroutine stacks
	gor   int
}

// idleMem collects garbage, returns freed memory to the OS and reads the process's memory: what
// the connections held keep, without what the last burst left to collect.
func idleMem() memSnap {
	runtime.GC()
	debug.FreeOSMemory()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/stacks:bytes"}}
	metrics.Read(s)
	return memSnap{rss: procStatus("VmRSS"), heap: s[0].Value.Uint64(), stack: s[1].Value.Uint64(), gor: runtime.NumGoroutine()}
}
