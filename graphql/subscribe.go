package graphql

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/live"
)

// Defaults of SubscriptionLimits.
const (
	DefaultMaxSubscriptionsPerConnection = 100
	DefaultMaxConnectionsPerIP           = 1000
	DefaultMaxMessageBytes               = 64 << 10
	DefaultKeepAlive                     = 15 * time.Second
	DefaultInitTimeout                   = 10 * time.Second
	DefaultWriteTimeout                  = 10 * time.Second
	DefaultMaxQueued                     = 256
	DefaultMaxQueuedBytes                = 16 << 20
	DefaultWriters                       = 32
	DefaultReaders                       = 8
)

// SubscriptionLimits bound the live transports (websocket and SSE subscriptions).
type SubscriptionLimits struct {
	// MaxPerConnection bounds the operations of one websocket (default 100).
	MaxPerConnection int
	// MaxConnectionsPerIP bounds the live connections of one client address (default 1,000).
	MaxConnectionsPerIP int
	// MaxMessageBytes bounds a message a client sends (default 64 KiB).
	MaxMessageBytes int64
	// KeepAlive is the interval of pings (websocket), ka messages (graphql-ws) and comments (SSE);
	// a websocket silent for three intervals is closed (default 15s).
	KeepAlive time.Duration
	// InitTimeout is how long a websocket may take to send connection_init (default 10s).
	InitTimeout time.Duration
	// WriteTimeout bounds one write to a client (default 10s).
	WriteTimeout time.Duration
	// MaxQueued and MaxQueuedBytes bound the messages waiting for one client (defaults 256 and
	// 16 MiB); a client past either is dropped with a TOO_SLOW error.
	MaxQueued      int
	MaxQueuedBytes int
	// Writers bounds the goroutines writing to clients (default 32); none run while nothing is
	// to be written.
	Writers int
	// Readers bounds the list subscriptions re-read at once after a block (default 8).
	Readers int
}

func (l SubscriptionLimits) withDefaults() SubscriptionLimits {
	l.MaxPerConnection = cmp.Or(l.MaxPerConnection, DefaultMaxSubscriptionsPerConnection)
	l.MaxConnectionsPerIP = cmp.Or(l.MaxConnectionsPerIP, DefaultMaxConnectionsPerIP)
	l.MaxMessageBytes = cmp.Or(l.MaxMessageBytes, DefaultMaxMessageBytes)
	l.KeepAlive = cmp.Or(l.KeepAlive, DefaultKeepAlive)
	l.InitTimeout = cmp.Or(l.InitTimeout, DefaultInitTimeout)
	l.WriteTimeout = cmp.Or(l.WriteTimeout, DefaultWriteTimeout)
	l.MaxQueued = cmp.Or(l.MaxQueued, DefaultMaxQueued)
	l.MaxQueuedBytes = cmp.Or(l.MaxQueuedBytes, DefaultMaxQueuedBytes)
	l.Writers = cmp.Or(l.Writers, DefaultWriters)
	l.Readers = cmp.Or(l.Readers, DefaultReaders)
	return l
}

func (l SubscriptionLimits) validate() error {
	if l.MaxPerConnection < 0 || l.MaxConnectionsPerIP < 0 || l.MaxMessageBytes < 0 || l.KeepAlive < 0 || l.InitTimeout < 0 ||
		l.WriteTimeout < 0 || l.MaxQueued < 0 || l.MaxQueuedBytes < 0 || l.Writers < 0 || l.Readers < 0 {
		return errors.New("graphql: subscription limits must not be negative")
	}
	return nil
}

// LiveStats counts the live connections and subscriptions of a server.
type LiveStats struct {
	Connections   int
	Subscriptions int
	// Groups is the number of distinct subscriptions: each costs one read per block that
	// touches it, however many subscribers share it.
	Groups int
}

// subscriptions serves the live transports of one Server: the connections, the groups of
// identical subscriptions, and the dispatcher that turns the hub's events into messages.
type subscriptions struct {
	res      *Resolver
	lim      SubscriptionLimits
	timeout  time.Duration
	log      *slog.Logger
	m        *liveMetrics
	auth     func(ctx context.Context, header string) error
	byField  map[string]*catalog.Entity // list and aggregate field names
	upgrader websocket.Upgrader
	writers  writers
	filters  filterScan // reads a commit's new rows once for every filtered group

	mu        sync.Mutex
	groups    map[string]*group
	eventSubs map[*group]struct{} // newBlocks and reorgs groups
	conns     map[*liveConn]struct{}
	perIP     map[string]int
	subCount  int
	heads     map[uint64]live.Head // the head of each chain as the dispatcher has taken it
	seq       uint64               // events taken so far
	stopped   bool
	changed   chan struct{} // closed and replaced when the counts change (WaitLive)

	pendMu  sync.Mutex
	pending []seqEvent // events the list stage has not yet taken
	wake    chan struct{}
}

// seqEvent is an event numbered in the order the dispatcher took it.
type seqEvent struct {
	live.Event
	seq uint64
}

func newSubscriptions(cfg Config, res *Resolver, reg *prometheus.Registry, auth func(context.Context, string) error) (*subscriptions, error) {
	m, err := newLiveMetrics(reg)
	if err != nil {
		return nil, err
	}
	s := &subscriptions{
		res: res, lim: cfg.Subscriptions.withDefaults(), timeout: cfg.Timeout, log: cfg.Logger, m: m, auth: auth,
		byField: map[string]*catalog.Entity{}, groups: map[string]*group{}, eventSubs: map[*group]struct{}{},
		conns: map[*liveConn]struct{}{}, perIP: map[string]int{}, heads: map[uint64]live.Head{}, wake: make(chan struct{}, 1),
		changed: make(chan struct{}),
	}
	s.writers.max = s.lim.Writers
	s.filters = filterScan{db: cfg.DB, limit: DefaultMaxScanRows}
	for _, e := range res.cat.Entities {
		s.byField[e.Plural] = e
		s.byField[e.Plural+"Aggregate"] = e
	}
	s.upgrader = websocket.Upgrader{
		ReadBufferSize: 512, WriteBufferSize: 4096, WriteBufferPool: &sync.Pool{},
		Subprotocols: []string{protocolNames[protoTransportWS], protocolNames[protoGraphQLWS]},
		CheckOrigin:  func(r *http.Request) bool { return originAllowed(cfg.AllowedOrigins, r.Header.Get("Origin")) },
	}
	return s, nil
}

// run dispatches the hub's events until the feed ends, then closes every connection.
func (s *subscriptions) run(feed *live.Feed) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.listLoop(ctx) }()
	go func() { defer wg.Done(); s.keepAlive(ctx) }()
	for {
		select {
		case <-feed.Ready():
			s.dispatch(ctx, feed.Take())
			continue
		case <-feed.Done():
		}
		break
	}
	cancel()
	wg.Wait()
	s.shutdown()
}

// dispatch takes events in order: newBlocks and reorgs messages go out at once (they need no
// read), and the list stage is told.
//
// A baseline that gives the dispatcher a chain's first head goes to the list stage too, numbered
// like any event: list groups made before it (a subscriber may join while the hub is still
// connecting, or before the dispatcher has taken the baseline the hub already gave it) were made
// without a head and have sent nothing; the list stage gives them their first result at the
// baseline. Groups made after it start at that head and skip it (their seq is not below it).
func (s *subscriptions) dispatch(ctx context.Context, evs []live.Event) {
	for i := range evs {
		ev := &evs[i]
		s.mu.Lock()
		if ev.Baseline {
			if _, ok := s.heads[ev.ChainID]; ok {
				s.mu.Unlock()
				continue
			}
			s.heads[ev.ChainID] = ev.Head
		}
		s.seq++
		se := seqEvent{Event: *ev, seq: s.seq}
		if ev.Announces() {
			s.heads[ev.ChainID] = ev.Head
		}
		var egs []*group
		if !ev.Baseline { // a baseline is neither a new block nor a reorg
			egs = make([]*group, 0, len(s.eventSubs))
			for g := range s.eventSubs {
				egs = append(egs, g)
			}
		}
		s.mu.Unlock()
		for _, g := range egs {
			g.pushEvent(ctx, &se)
		}
		s.pendMu.Lock()
		s.queueListLocked(se)
		s.pendMu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// listLoop re-reads the list subscriptions each taken event touches, one event after another
// (the groups of one event Readers at a time), so that every committed notice that changes a
// result gets its own message. When it falls more than maxListBacklog events behind, consecutive
// block events are merged (as the hub's feed does): a slow database then costs intermediate
// RESULT messages, never a ROWS row.
func (s *subscriptions) listLoop(ctx context.Context) {
	sem := make(chan struct{}, s.lim.Readers)
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		}
		for {
			s.pendMu.Lock()
			if len(s.pending) == 0 {
				s.pendMu.Unlock()
				break
			}
			ev := s.pending[0]
			s.pending = s.pending[1:]
			s.pendMu.Unlock()
			s.mu.Lock()
			gs := make([]*group, 0, len(s.groups))
			for _, g := range s.groups {
				if g.plan.kind == kindResult || g.plan.kind == kindRows {
					gs = append(gs, g)
				}
			}
			s.mu.Unlock()
			evs := []seqEvent{ev}
			cs := s.scanCommit(ctx, &ev, gs)
			var wg sync.WaitGroup
			for _, g := range gs {
				sem <- struct{}{}
				wg.Add(1)
				go func() {
					defer func() { <-sem; wg.Done() }()
					g.advance(ctx, evs, cs)
				}()
			}
			wg.Wait()
			if ctx.Err() != nil {
				return
			}
		}
	}
}

// maxListBacklog is how many events the list stage may fall behind before they are merged.
const maxListBacklog = 64

// queueListLocked appends an event for the list stage, merging it into the last one when the
// stage is far behind; s.pendMu is held.
func (s *subscriptions) queueListLocked(ev seqEvent) {
	n := len(s.pending)
	if n < maxListBacklog {
		s.pending = append(s.pending, ev)
		return
	}
	last := &s.pending[n-1]
	if last.ChainID != ev.ChainID || !last.Announces() || !ev.Announces() || ev.Reorg != nil {
		s.pending = append(s.pending, ev)
		return
	}
	last.Head, last.seq, last.CatchUp = ev.Head, ev.seq, last.CatchUp || ev.CatchUp
	if last.AllTables || ev.AllTables {
		last.AllTables, last.Tables = true, nil
	} else {
		tables := append(slices.Clone(last.Tables), ev.Tables...)
		slices.Sort(tables)
		last.Tables = slices.Compact(tables)
	}
}

// keepAlive pings every connection each KeepAlive interval.
func (s *subscriptions) keepAlive(ctx context.Context) {
	t := time.NewTicker(s.lim.KeepAlive)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		cs := make([]*liveConn, 0, len(s.conns))
		for c := range s.conns {
			cs = append(cs, c)
		}
		s.mu.Unlock()
		for _, c := range cs {
			c.send(outMsg{kind: msgKeepAlive})
		}
	}
}

// shutdown ends every operation and closes every connection (the hub stopped).
func (s *subscriptions) shutdown() {
	s.mu.Lock()
	s.stopped = true
	cs := make([]*liveConn, 0, len(s.conns))
	for c := range s.conns {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	for _, c := range cs {
		c.mu.Lock()
		for _, sub := range c.subs {
			c.queue = append(c.queue, outMsg{kind: msgComplete, sub: sub})
		}
		c.closeLocked(websocket.CloseGoingAway, "the server is shutting down", closeGrace)
		c.mu.Unlock()
	}
}

// addConn registers a connection unless its address has too many or the server stopped.
func (s *subscriptions) addConn(c *liveConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || s.perIP[c.ip] >= s.lim.MaxConnectionsPerIP {
		return false
	}
	s.perIP[c.ip]++
	s.conns[c] = struct{}{}
	s.m.connections.WithLabelValues(protocolNames[c.proto]).Inc()
	s.changedLocked()
	return true
}

func (s *subscriptions) removeConn(c *liveConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.conns[c]; !ok {
		return
	}
	delete(s.conns, c)
	if s.perIP[c.ip]--; s.perIP[c.ip] <= 0 {
		delete(s.perIP, c.ip)
	}
	s.m.connections.WithLabelValues(protocolNames[c.proto]).Dec()
	s.changedLocked()
}

// changedLocked wakes WaitLive; s.mu is held.
func (s *subscriptions) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// stats counts connections, subscriptions and groups.
func (s *subscriptions) stats() LiveStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return LiveStats{Connections: len(s.conns), Subscriptions: s.subCount, Groups: len(s.groups)}
}

// LiveStats returns the server's live connections and subscriptions (zero without a hub).
func (s *Server) LiveStats() LiveStats {
	if s.live == nil {
		return LiveStats{}
	}
	return s.live.stats()
}

// WaitLive waits until cond holds for the server's live counts, or ctx ends.
func (s *Server) WaitLive(ctx context.Context, cond func(LiveStats) bool) (LiveStats, error) {
	if s.live == nil {
		return LiveStats{}, errors.New("graphql: the server has no subscriptions (Config.Live)")
	}
	for {
		s.live.mu.Lock()
		st := LiveStats{Connections: len(s.live.conns), Subscriptions: s.live.subCount, Groups: len(s.live.groups)}
		ch := s.live.changed
		s.live.mu.Unlock()
		if cond(st) {
			return st, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return st, ctx.Err()
		}
	}
}

// operation runs a validated query or mutation sent over a live connection and returns its
// response, as the HTTP transports would.
func (s *subscriptions) operation(ctx context.Context, exec gql.GraphExecutor, oc *gql.OperationContext) *gql.Response {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	h, ctx := exec.DispatchOperation(ctx, oc)
	return h(ctx)
}
