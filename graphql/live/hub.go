package live

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults applied by Config where a field is zero.
const (
	DefaultRetryBase    = 100 * time.Millisecond
	DefaultRetryMax     = 5 * time.Second
	DefaultPingInterval = 30 * time.Second
	DefaultReplicaWait  = 2 * time.Second
)

// Config configures a Hub.
type Config struct {
	// Primary is the pool on the primary database. The hub does not take connections from it:
	// it opens one connection of its own with the pool's settings, because a LISTEN lives as
	// long as its session and NOTIFY does not reach physical replicas. Required unless ConnConfig
	// is set.
	Primary *pgxpool.Pool
	// ConnConfig, when set, is used instead of Primary's settings.
	ConnConfig *pgx.ConnConfig
	// Read is the pool the subscriptions re-read through. When it is a replica (set and not
	// Primary), the hub holds each event back until the replica has indexed its head, for at most
	// ReplicaWait, so that a re-read is never older than the notice it answers.
	Read *pgxpool.Pool
	// ReplicaWait bounds that wait (default 2s); past it the event is released anyway, logged
	// and counted.
	ReplicaWait time.Duration
	// RetryBase and RetryMax bound the exponential backoff between reconnections (defaults
	// 100ms and 5s).
	RetryBase, RetryMax time.Duration
	// PingInterval is how long the listener may wait without a notification before it checks
	// the connection with a ping (default 30s).
	PingInterval time.Duration
	// FeedPending is how many events a feed holds before merging block events (default 256).
	FeedPending int
	// Dial opens the listener's connection; nil uses pgx.ConnectConfig. Tests use it to hold a
	// reconnection back.
	Dial func(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error)
	// Logger receives connection losses and catch-ups; nil discards.
	Logger *slog.Logger
	// Registry receives the rahat_live_* collectors; nil uses a private registry.
	Registry *prometheus.Registry
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	c.ReplicaWait = cmp.Or(c.ReplicaWait, DefaultReplicaWait)
	c.RetryBase = cmp.Or(c.RetryBase, DefaultRetryBase)
	c.RetryMax = cmp.Or(c.RetryMax, DefaultRetryMax)
	c.PingInterval = cmp.Or(c.PingInterval, DefaultPingInterval)
	c.FeedPending = cmp.Or(c.FeedPending, DefaultFeedPending)
	if c.Dial == nil {
		c.Dial = pgx.ConnectConfig
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Registry == nil {
		c.Registry = prometheus.NewRegistry()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate reports what is missing or out of range.
func (c Config) Validate() error {
	var errs []error
	if c.Primary == nil && c.ConnConfig == nil {
		errs = append(errs, errors.New("live: Primary (or ConnConfig) is required"))
	}
	if c.ReplicaWait < 0 || c.RetryBase < 0 || c.RetryMax < 0 || c.PingInterval < 0 || c.FeedPending < 0 {
		errs = append(errs, errors.New("live: durations and sizes must not be negative"))
	}
	return errors.Join(errs...)
}

// Status is the listener's state.
type Status struct {
	// Listening is true while the LISTEN session is up and caught up.
	Listening bool
	// PID is the listener's backend process id (0 while disconnected).
	PID uint32
	// Sessions counts the LISTEN sessions established so far (1 after the first connection).
	Sessions int
	// Heads are the last heads received, by chain.
	Heads map[uint64]Head
	// Holding is the block held back until the read replica has it (0: none).
	Holding uint64
}

// Hub listens for the indexer's commit notifications and hands them, in order and without gaps,
// to its feeds. See the package documentation.
type Hub struct {
	cfg     Config
	connCfg *pgx.ConnConfig
	replica bool
	log     *slog.Logger
	m       *metrics

	mu       sync.Mutex
	feeds    map[*Feed]struct{}
	heads    map[uint64]Head
	reorgID  int64 // the last indexer_reorgs id announced
	synced   bool  // heads and reorgID hold a baseline
	stopped  bool
	status   Status
	statusCh chan struct{} // closed and replaced on every status change
}

// New returns a hub; Run starts it.
func New(cfg Config) (*Hub, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	connCfg := cfg.ConnConfig
	if connCfg == nil {
		connCfg = cfg.Primary.Config().ConnConfig
	}
	connCfg = connCfg.Copy()
	if connCfg.RuntimeParams == nil {
		connCfg.RuntimeParams = map[string]string{}
	}
	connCfg.RuntimeParams["application_name"] = "rahat-live"
	m, err := newMetrics(cfg.Registry)
	if err != nil {
		return nil, err
	}
	return &Hub{
		cfg: cfg, connCfg: connCfg, log: cfg.Logger, m: m,
		replica: cfg.Read != nil && cfg.Read != cfg.Primary,
		feeds:   map[*Feed]struct{}{}, heads: map[uint64]Head{}, statusCh: make(chan struct{}),
	}, nil
}

// Subscribe returns a new feed. Its first events are the baselines of the chains the hub knows
// (more follow when the hub first connects, for a feed made before).
func (h *Hub) Subscribe() *Feed {
	f := newFeed(h, h.cfg.FeedPending)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		f.end()
		return f
	}
	for _, chain := range slices.Sorted(maps.Keys(h.heads)) {
		hd := h.heads[chain]
		f.push(Event{ChainID: chain, Head: hd, From: hd.Number + 1, Baseline: true, Received: h.cfg.Now()})
	}
	h.feeds[f] = struct{}{}
	h.m.feeds.Set(float64(len(h.feeds)))
	return f
}

func (h *Hub) removeFeed(f *Feed) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.feeds, f)
	h.m.feeds.Set(float64(len(h.feeds)))
}

// Status returns the listener's state.
func (h *Hub) Status() Status {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.statusLocked()
}

func (h *Hub) statusLocked() Status {
	s := h.status
	s.Heads = maps.Clone(h.heads)
	return s
}

// WaitFor waits until cond holds for the hub's status, or ctx ends.
func (h *Hub) WaitFor(ctx context.Context, cond func(Status) bool) (Status, error) {
	for {
		h.mu.Lock()
		s, ch := h.statusLocked(), h.statusCh
		h.mu.Unlock()
		if cond(s) {
			return s, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return s, ctx.Err()
		}
	}
}

// setStatus changes the status under h.mu and wakes WaitFor.
func (h *Hub) setStatus(change func(*Status)) {
	change(&h.status)
	close(h.statusCh)
	h.statusCh = make(chan struct{})
}

// Run listens until ctx ends, reconnecting with backoff whenever the connection is lost, and
// returns nil then. Feeds end when Run returns.
func (h *Hub) Run(ctx context.Context) error {
	defer h.stop()
	wait := h.cfg.RetryBase
	for {
		established, err := h.session(ctx)
		h.mu.Lock()
		h.setStatus(func(s *Status) { s.Listening, s.PID = false, 0 })
		h.mu.Unlock()
		h.m.up.Set(0)
		if ctx.Err() != nil {
			return nil
		}
		if established {
			wait = h.cfg.RetryBase
		}
		h.m.reconnects.Inc()
		h.log.Warn("live: lost the notification listener; reconnecting", "err", err, "in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		wait = min(2*wait, h.cfg.RetryMax)
	}
}

func (h *Hub) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	for f := range h.feeds {
		f.end()
	}
	clear(h.feeds)
	h.m.feeds.Set(0)
}

// session runs one LISTEN session: connect, listen, catch up, then hand on notifications until
// the connection fails. established reports that it got as far as listening.
func (h *Hub) session(ctx context.Context) (established bool, err error) {
	conn, err := h.cfg.Dial(ctx, h.connCfg)
	if err != nil {
		return false, fmt.Errorf("connecting: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		conn.Close(cctx) //nolint:errcheck // the session is over either way
	}()
	if _, err := conn.Exec(ctx, listenSQL); err != nil {
		return false, fmt.Errorf("listening: %w", err)
	}
	// Everything committed from here on is notified; sync reads what was committed before.
	if err := h.sync(ctx, conn); err != nil {
		return false, err
	}
	h.mu.Lock()
	h.setStatus(func(s *Status) { s.Listening, s.PID, s.Sessions = true, conn.PgConn().PID(), s.Sessions+1 })
	h.mu.Unlock()
	h.m.up.Set(1)
	for {
		wctx, cancel := context.WithTimeout(ctx, h.cfg.PingInterval)
		n, err := conn.WaitForNotification(wctx)
		idle := wctx.Err() != nil && ctx.Err() == nil
		cancel()
		switch {
		case err == nil:
			h.notified(ctx, n.Payload)
		case idle:
			if err := conn.Ping(ctx); err != nil {
				return true, fmt.Errorf("pinging: %w", err)
			}
		default:
			return true, fmt.Errorf("waiting for notifications: %w", err)
		}
	}
}
