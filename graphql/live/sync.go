package live

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"

	"github.com/rahataid/rahat/indexer"
)

var listenSQL = "LISTEN " + pgx.Identifier{indexer.NotifyChannel}.Sanitize()

const (
	checkpointsSQL = `
SELECT chain_id, start_block, indexed_block, coalesce(indexed_hash, ''::bytea), coalesce(indexed_timestamp, 0)
FROM indexer_chains ORDER BY chain_id`
	lastReorgSQL = `SELECT coalesce(max(id), 0) FROM indexer_reorgs`
	reorgsSQL    = `
SELECT id, chain_id, ancestor, depth, old_head, old_hash, new_head, new_hash, deep
FROM indexer_reorgs WHERE id > $1 ORDER BY id`
	replicaSQL = `SELECT indexed_block, coalesce(indexed_hash, ''::bytea) FROM indexer_chains WHERE chain_id = $1`
)

type checkpoint struct {
	chain uint64
	start uint64
	head  Head
	ok    bool // something is indexed (indexed_block >= 0)
}

func readCheckpoints(ctx context.Context, conn *pgx.Conn) ([]checkpoint, error) {
	rows, err := conn.Query(ctx, checkpointsSQL)
	if err != nil {
		return nil, fmt.Errorf("reading checkpoints: %w", err)
	}
	var out []checkpoint
	for rows.Next() {
		var chain, start, indexed, ts int64
		var hash []byte
		if err := rows.Scan(&chain, &start, &indexed, &hash, &ts); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reading checkpoints: %w", err)
		}
		out = append(out, checkpoint{chain: uint64(chain), start: uint64(max(start, 0)), ok: indexed >= 0,
			head: Head{Number: uint64(max(indexed, 0)), Hash: common.BytesToHash(hash), Timestamp: uint64(ts)}})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading checkpoints: %w", err)
	}
	return out, nil
}

// sync runs right after LISTEN. The first time, it sets the baseline: the checkpoint of every
// chain and the last reorg id, and gives every feed a Baseline event. After a reconnection, it
// catches up: one event per reorg logged meanwhile, then, per chain whose checkpoint moved, one
// event announcing every block from the last announced (or the lowest ancestor since) to the
// checkpoint, with the tables unknown. Notifications of commits that sync already covered arrive
// afterwards and are recognised as stale (notified).
func (h *Hub) sync(ctx context.Context, conn *pgx.Conn) error {
	cps, err := readCheckpoints(ctx, conn)
	if err != nil {
		return err
	}
	h.mu.Lock()
	first := !h.synced
	after := h.reorgID
	h.mu.Unlock()
	now := h.cfg.Now()
	if first {
		var last int64
		if err := conn.QueryRow(ctx, lastReorgSQL).Scan(&last); err != nil {
			return fmt.Errorf("reading the last reorg: %w", err)
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		h.reorgID, h.synced = last, true
		for _, cp := range cps {
			if !cp.ok {
				continue
			}
			h.heads[cp.chain] = cp.head
			h.releaseLocked(Event{ChainID: cp.chain, Head: cp.head, From: cp.head.Number + 1, Baseline: true, Received: now})
		}
		return nil
	}

	rows, err := conn.Query(ctx, reorgsSQL, after)
	if err != nil {
		return fmt.Errorf("reading reorgs after %d: %w", after, err)
	}
	var reorgs []Event
	for rows.Next() {
		var id, chain, anc, depth, oldHead, newHead int64
		var oldHash, newHash []byte
		var deep bool
		if err := rows.Scan(&id, &chain, &anc, &depth, &oldHead, &oldHash, &newHead, &newHash, &deep); err != nil {
			rows.Close()
			return fmt.Errorf("reading reorgs: %w", err)
		}
		r := &Reorg{ID: id, Ancestor: uint64(anc), Depth: uint64(depth), OldHead: uint64(oldHead), OldHash: common.BytesToHash(oldHash),
			NewHead: uint64(newHead), NewHash: common.BytesToHash(newHash), Deep: deep}
		reorgs = append(reorgs, Event{ChainID: uint64(chain), Head: Head{Number: r.NewHead, Hash: r.NewHash}, From: r.NewHead + 1,
			Reorg: r, CatchUp: true, Received: now})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading reorgs: %w", err)
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	low := map[uint64]uint64{} // the lowest ancestor per chain
	for _, ev := range reorgs {
		h.reorgID = max(h.reorgID, ev.Reorg.ID)
		if l, ok := low[ev.ChainID]; !ok || ev.Reorg.Ancestor < l {
			low[ev.ChainID] = ev.Reorg.Ancestor
		}
		h.m.notifications.WithLabelValues("catchup_reorg").Inc()
		h.releaseLocked(ev)
	}
	for _, cp := range cps {
		if !cp.ok {
			continue
		}
		prev, known := h.heads[cp.chain]
		from := cp.start
		if known {
			from = prev.Number + 1
		}
		if l, ok := low[cp.chain]; ok && l+1 < from {
			from = l + 1
		}
		_, reorged := low[cp.chain]
		if known && !reorged && prev.Number == cp.head.Number && prev.Hash == cp.head.Hash {
			continue
		}
		if from > cp.head.Number {
			// The checkpoint went back without a logged reorg (a restored database): nothing to
			// announce; the next commit re-reads from there.
			h.log.Warn("live: the checkpoint moved back without a reorg", "chain", cp.chain, "was", prev.Number, "now", cp.head.Number)
		}
		h.heads[cp.chain] = cp.head
		h.log.Info("live: caught up after reconnecting", "chain", cp.chain, "from", from, "to", cp.head.Number, "reorgs", len(reorgs))
		h.m.notifications.WithLabelValues("catchup").Inc()
		h.releaseLocked(Event{ChainID: cp.chain, Head: cp.head, From: from, AllTables: true, CatchUp: true, Received: now})
	}
	return nil
}

// notified turns a notification into an event, unless sync already covered it.
func (h *Hub) notified(ctx context.Context, payload string) {
	now := h.cfg.Now()
	var n indexer.Notification
	if err := json.Unmarshal([]byte(payload), &n); err != nil {
		h.m.notifications.WithLabelValues("bad").Inc()
		h.log.Error("live: a notification is not JSON", "err", err)
		return
	}
	ev := Event{ChainID: n.ChainID, Head: Head{Number: n.To, Hash: n.Hash, Timestamp: n.Timestamp, ParentHash: n.ParentHash}, From: n.From, Tables: n.Tables, Received: now}
	h.mu.Lock()
	prev, known := h.heads[n.ChainID]
	switch {
	case n.Reorg != nil && n.Reorg.ID <= h.reorgID, n.Reorg == nil && known && n.To <= prev.Number:
		h.mu.Unlock()
		h.m.notifications.WithLabelValues("stale").Inc()
		return
	case n.Reorg != nil:
		h.reorgID = n.Reorg.ID
		ev.Reorg = &Reorg{ID: n.Reorg.ID, Ancestor: n.Reorg.Ancestor, Depth: n.Reorg.Depth, OldHead: n.Reorg.OldHead,
			OldHash: n.Reorg.OldHash, NewHead: n.To, NewHash: n.Hash, Deep: n.Reorg.Deep}
		h.m.notifications.WithLabelValues("reorg").Inc()
	default:
		h.m.notifications.WithLabelValues("block").Inc()
	}
	if known && ev.Reorg == nil && ev.From > prev.Number+1 {
		// Never expected (Postgres does not drop notifications); announce the gap rather than lose it.
		h.log.Warn("live: a gap between notifications", "chain", n.ChainID, "last", prev.Number, "from", ev.From)
		ev.From, ev.AllTables, ev.Tables = prev.Number+1, true, nil
	}
	h.heads[n.ChainID] = ev.Head
	h.mu.Unlock()
	// The wait happens outside the lock but still in the listener's goroutine, which keeps events
	// in order; later notifications wait in the connection meanwhile.
	h.waitReplica(ctx, ev.ChainID, ev.Head)
	h.mu.Lock()
	h.releaseLocked(ev)
	h.mu.Unlock()
}

// releaseLocked hands an event to every feed and updates the status; h.mu is held.
func (h *Hub) releaseLocked(ev Event) {
	for f := range h.feeds {
		f.push(ev)
	}
	h.setStatus(func(*Status) {})
}

// waitReplica waits, for at most ReplicaWait, until the read replica has indexed head.
func (h *Hub) waitReplica(ctx context.Context, chain uint64, head Head) {
	if !h.replica {
		return
	}
	start := h.cfg.Now()
	ctx, cancel := context.WithTimeout(ctx, h.cfg.ReplicaWait)
	defer cancel()
	h.mu.Lock()
	h.setStatus(func(s *Status) { s.Holding = head.Number })
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.setStatus(func(s *Status) { s.Holding = 0 })
		h.mu.Unlock()
	}()
	pause := 2 * time.Millisecond
	for {
		var indexed int64
		var hash []byte
		err := h.cfg.Read.QueryRow(ctx, replicaSQL, int64(chain)).Scan(&indexed, &hash)
		if err == nil && (indexed > int64(head.Number) || indexed == int64(head.Number) && bytes.Equal(hash, head.Hash[:])) {
			h.m.replicaWait.Observe(h.cfg.Now().Sub(start).Seconds())
			return
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			h.m.replicaWait.Observe(h.cfg.Now().Sub(start).Seconds())
			h.m.replicaLate.Inc()
			h.log.Warn("live: the read replica has not indexed the notified block in time; releasing it anyway",
				"chain", chain, "block", head.Number, "waited", h.cfg.ReplicaWait, "err", err)
			return
		case <-t.C:
		}
		pause = min(2*pause, 50*time.Millisecond)
	}
}
