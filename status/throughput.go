package status

import (
	"context"
	"sync"
	"time"
)

// Run follows the hub's commit events (Config.Hub) for the throughput figure, until ctx ends or
// the hub stops; it returns nil then. Without a hub it returns at once and the figure stays
// unknown.
func (s *Server) Run(ctx context.Context) error {
	if s.cfg.Hub == nil {
		return nil
	}
	feed := s.cfg.Hub.Subscribe()
	defer feed.Close()
	s.meter.reset(s.cfg.Now())
	defer s.meter.reset(time.Time{})
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-feed.Done():
			return nil
		case <-feed.Ready():
		}
		now := s.cfg.Now()
		for _, ev := range feed.Take() {
			if ev.Announces() { // baselines announce no blocks
				s.meter.add(now, s.cfg.Window, commit{chainID: ev.ChainID, from: ev.From, to: ev.Head.Number, tables: ev.Tables, all: ev.AllTables})
			}
		}
	}
}

// meter keeps the commits of the last window. Counting their rows is left to the snapshot, which
// runs only while someone looks at the page.
type meter struct {
	mu      sync.Mutex
	since   time.Time // when Run began following commits; zero when it is not
	commits []commit
}

// commit is an indexing transaction: the blocks it covered and the tables it wrote (all: unknown,
// as after the hub caught up from a lost connection).
type commit struct {
	at       time.Time
	chainID  uint64
	from, to uint64
	tables   []string
	all      bool
}

// blockRange is what the window's commits on one chain covered.
type blockRange struct {
	from, to uint64
	tables   map[string]bool
	all      bool // any table may have rows
}

// reset forgets the commits and records since (zero: not following).
func (m *meter) reset(since time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.since, m.commits = since, nil
}

func (m *meter) add(now time.Time, window time.Duration, c commit) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.since.IsZero() {
		return
	}
	m.trim(now, window)
	c.at = now
	m.commits = append(m.commits, c)
}

// trim drops the commits older than the window. Commits are in arrival order.
func (m *meter) trim(now time.Time, window time.Duration) {
	i := 0
	for i < len(m.commits) && now.Sub(m.commits[i].at) > window {
		i++
	}
	m.commits = append(m.commits[:0], m.commits[i:]...)
}

// ranges reports whether the meter is following commits, the span it covers (the window, or less since it
// started listening; at least a second) and, per chain, the blocks and tables of its commits. The
// indexer commits a chain's blocks in order, so the commits of a window cover one run of blocks
// (after a reorg, the new branch from the ancestor up, which replaced what was there).
func (m *meter) ranges(now time.Time, window time.Duration) (bool, time.Duration, map[uint64]blockRange) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.since.IsZero() {
		return false, 0, nil
	}
	m.trim(now, window)
	span := max(min(window, now.Sub(m.since)), time.Second)
	out := map[uint64]blockRange{}
	for _, c := range m.commits {
		r, ok := out[c.chainID]
		if !ok {
			r = blockRange{from: c.from, to: c.to, tables: map[string]bool{}}
		}
		r.from, r.to, r.all = min(r.from, c.from), max(r.to, c.to), r.all || c.all
		for _, t := range c.tables {
			r.tables[t] = true
		}
		out[c.chainID] = r
	}
	return true, span, out
}
