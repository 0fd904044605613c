package txmgr

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// hub hands NotifyChannel notifications to the Wait calls of this process.
type hub struct {
	mu      sync.Mutex
	waiters map[int64]map[chan struct{}]struct{}
}

func newHub() *hub { return &hub{waiters: make(map[int64]map[chan struct{}]struct{})} }

// subscribe returns a channel that receives a token whenever transaction id changes (a change may
// coalesce with the previous one: the waiter re-reads the row) and a function to unsubscribe.
func (h *hub) subscribe(id int64) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	set := h.waiters[id]
	if set == nil {
		set = make(map[chan struct{}]struct{})
		h.waiters[id] = set
	}
	set[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(set, ch)
		if len(set) == 0 {
			delete(h.waiters, id)
		}
		h.mu.Unlock()
	}
}

// publish pokes the waiters of id without ever blocking; all when all is set (after the listener
// reconnects, when notifications may have been missed).
func (h *hub) publish(id int64, all bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for wid, set := range h.waiters {
		if !all && wid != id {
			continue
		}
		for ch := range set {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
}

// notice is the payload of a NotifyChannel notification (see the trigger in 0035_txmgr.sql).
type notice struct {
	ID     int64          `json:"id"`
	State  State          `json:"state"`
	Ref    string         `json:"ref"`
	Signer common.Address `json:"signer"`
}

// listen follows NotifyChannel until ctx ends: it wakes waiters and, for queued transactions, the
// signer's sender. A lost connection is re-established; meanwhile everyone polls.
func (m *Manager) listen(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := m.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		m.log.Warn("listening for transaction notifications", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

func (m *Manager) listenOnce(ctx context.Context) error {
	conn, err := m.cfg.DB.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection carries a LISTEN: close it rather than hand it back to the pool.
	pc := conn.Hijack()
	defer pc.Close(context.WithoutCancel(ctx))
	if _, err := pc.Exec(ctx, "LISTEN "+NotifyChannel); err != nil {
		return err
	}
	// Changes made while no one listened are picked up by re-reading.
	m.hub.publish(0, true)
	m.wakeBusy(ctx)
	for {
		n, err := pc.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var p notice
		if err := json.Unmarshal([]byte(n.Payload), &p); err != nil {
			m.log.Warn("malformed transaction notification", "err", err)
			continue
		}
		m.hub.publish(p.ID, false)
		if p.State == StateQueued {
			if ch, ok := m.signerWake(p.Signer); ok {
				poke(ch)
			}
		}
	}
}

// recheck wakes the senders of the signers with work every idleRechecks PollIntervals until ctx
// ends, in case a wake-up was ever lost.
func (m *Manager) recheck(ctx context.Context) {
	tick := time.NewTicker(idleRechecks * m.cfg.PollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			m.wakeBusy(ctx)
		}
	}
}

// wakeBusy wakes the senders of the signers with a transaction queued, sent, or mined but not
// final (every sender, if that cannot be read).
func (m *Manager) wakeBusy(ctx context.Context) {
	busy, err := m.busySigners(ctx)
	if err != nil && ctx.Err() == nil {
		m.log.Warn("waking every signer's sender", "err", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for addr, ch := range m.wake {
		if err != nil || busy[addr] {
			poke(ch)
		}
	}
}

// poke sends a token on a one-slot channel without blocking.
func poke(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
