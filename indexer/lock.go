package indexer

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// LockKey returns the advisory-lock key of the writer of a chain: the FNV-1a 64-bit hash of
// "rahat/indexer/<chain id>", as a signed bigint. One key per chain, so different chains index in
// parallel while one chain has exactly one writer.
func LockKey(chainID uint64) int64 {
	h := fnv.New64a()
	h.Write([]byte("rahat/indexer/" + strconv.FormatUint(chainID, 10)))
	return int64(h.Sum64())
}

// schemaLockKey serialises DDL on event tables between indexers of different chains.
var schemaLockKey = int64(fnv64("rahat/indexer/schema"))

func fnv64(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// writerLock is a session advisory lock held on a connection taken out of the pool for good, so
// the pool can neither reuse nor reset it. Closing the connection releases the lock.
type writerLock struct {
	conn *pgx.Conn
	key  int64
	pid  uint32
	mu   sync.Mutex // serialises use of conn between the watcher and release
}

func (l *writerLock) classID() int64 { return int64(uint32(uint64(l.key) >> 32)) }
func (l *writerLock) objID() int64   { return int64(uint32(uint64(l.key))) }

// acquireLock takes the writer lock, waiting as a standby while another process holds it.
func acquireLock(ctx context.Context, pool *pgxpool.Pool, key int64, log *slog.Logger, standby func()) (*writerLock, error) {
	pc, err := pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("acquiring lock connection: %w", err)
	}
	conn := pc.Hijack()
	l := &writerLock{conn: conn, key: key, pid: conn.PgConn().PID()}
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("trying writer lock: %w", err)
	}
	if !ok {
		log.Info("another indexer holds the writer lock; waiting as standby", "lock_key", key)
		standby()
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
			conn.Close(context.WithoutCancel(ctx))
			return nil, fmt.Errorf("waiting for writer lock: %w", err)
		}
	}
	return l, nil
}

// watch pings the lock connection every interval and calls lost as soon as it fails: a dropped
// session has released the lock, and another indexer may already be writing.
func (l *writerLock) watch(ctx context.Context, interval time.Duration, lost func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		l.mu.Lock()
		pctx, cancel := context.WithTimeout(ctx, max(interval, time.Second))
		err := l.conn.Ping(pctx)
		cancel()
		l.mu.Unlock()
		if err != nil && ctx.Err() == nil {
			lost(err)
			return
		}
	}
}

// release closes the lock connection, which releases the lock.
func (l *writerLock) release(ctx context.Context) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	l.conn.Close(cctx)
}
