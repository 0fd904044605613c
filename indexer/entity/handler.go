package entity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/indexer"
)

// Config configures a Handler.
type Config struct {
	// Chain reads what events do not carry (token metadata, claim calls). Required; NewRPC
	// builds one over the network's JSON-RPC client.
	Chain Chain
	// Logger receives warnings about events that cannot be mapped; nil discards them.
	Logger *slog.Logger
	// Registry receives the rahat_entity_* collectors; nil uses a private registry.
	Registry *prometheus.Registry
	// Network labels the collectors (network="..."), as the indexer's own; handlers of several
	// networks on one registry share the collectors and keep their figures apart.
	Network string
}

// Validate reports what is missing.
func (c Config) Validate() error {
	if c.Chain == nil {
		return errors.New("entity: Chain is required")
	}
	return nil
}

// Handler maintains the derived entities; it implements indexer.Handler. It keeps no state
// between calls, so one Handler may serve several indexers (its Chain must then answer for each
// of their chains).
type Handler struct {
	chain      Chain
	log        *slog.Logger
	duration   prometheus.ObserverVec // by step
	statements prometheus.ObserverVec // by table and step
	versions   *prometheus.CounterVec // by table
}

var _ indexer.Handler = (*Handler)(nil)

// New returns a Handler.
func New(cfg Config) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "rahat_entity_handle_seconds",
		Help:    "Time spent maintaining derived entities, per call, by step.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	}, []string{"network", "step"})
	statements := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "rahat_entity_statement_seconds",
		Help:    "Time of the statements that read and write entity versions, by table and step (load, remove, close, copy).",
		Buckets: prometheus.ExponentialBuckets(0.0002, 2, 16),
	}, []string{"network", "table", "step"})
	versions := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rahat_entity_versions_written_total",
		Help: "Entity versions (and immutable entity rows) written, by table.",
	}, []string{"network", "table"})
	// Handlers of several indexers may share a registry: they then share the collectors, each
	// with its own network label.
	var err error
	if duration, err = register(cfg.Registry, duration); err != nil {
		return nil, err
	}
	if statements, err = register(cfg.Registry, statements); err != nil {
		return nil, err
	}
	if versions, err = register(cfg.Registry, versions); err != nil {
		return nil, err
	}
	net := prometheus.Labels{"network": cfg.Network}
	return &Handler{
		chain:      cfg.Chain,
		log:        cfg.Logger,
		duration:   duration.MustCurryWith(net),
		statements: statements.MustCurryWith(net),
		versions:   versions.MustCurryWith(net),
	}, nil
}

// register registers c, or returns the equal collector registered before.
func register[C prometheus.Collector](reg *prometheus.Registry, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, fmt.Errorf("registering entity metrics: %w", err)
	}
	return c, nil
}

// HandleEvents implements indexer.Handler: it applies events (in block, log order) to the
// entities in tx. Events of several chains are handled chain by chain.
func (h *Handler) HandleEvents(ctx context.Context, tx pgx.Tx, events []indexer.Event) error {
	for len(events) > 0 {
		n := 1
		for n < len(events) && events[n].ChainID == events[0].ChainID {
			n++
		}
		if err := h.handleChain(ctx, tx, events[:n]); err != nil {
			return err
		}
		events = events[n:]
	}
	return nil
}

func (h *Handler) handleChain(ctx context.Context, tx pgx.Tx, events []indexer.Event) error {
	b := newBatch(h, tx, events[0].ChainID)
	t0 := time.Now()
	if err := b.prepare(ctx, events); err != nil {
		return fmt.Errorf("entities: preparing blocks %d-%d: %w", events[0].BlockNumber, events[len(events)-1].BlockNumber, err)
	}
	t1 := time.Now()
	for i := range events {
		if err := b.apply(ctx, &events[i]); err != nil {
			ev := &events[i]
			return fmt.Errorf("entities: %s.%s at block %d log %d: %w", ev.Contract, ev.Name, ev.BlockNumber, ev.LogIndex, err)
		}
	}
	t2 := time.Now()
	if err := b.flush(ctx); err != nil {
		return fmt.Errorf("entities: writing blocks %d-%d: %w", events[0].BlockNumber, events[len(events)-1].BlockNumber, err)
	}
	h.duration.WithLabelValues("prepare").Observe(t1.Sub(t0).Seconds())
	h.duration.WithLabelValues("apply").Observe(t2.Sub(t1).Seconds())
	h.duration.WithLabelValues("flush").Observe(time.Since(t2).Seconds())
	return nil
}

// versionedTables returns the tables with block-range versions, rolled back by range.
func versionedTables() []string {
	return []string{"ent_tokens", "ent_projects", "ent_beneficiaries", "ent_vendors", "ent_claims", "ent_balances"}
}

// Rollback implements indexer.Handler: versions that start above ancestor are deleted and those
// that end above it are reopened, which restores every entity as it was at the end of ancestor.
func (h *Handler) Rollback(ctx context.Context, tx pgx.Tx, chainID, ancestor uint64) error {
	bt := &pgx.Batch{}
	for _, t := range versionedTables() {
		id := pgx.Identifier{t}.Sanitize()
		bt.Queue(`DELETE FROM `+id+` WHERE chain_id = $1 AND lower(block_range) > $2`, int64(chainID), int64(ancestor))
		bt.Queue(`UPDATE `+id+` SET block_range = int8range(lower(block_range), NULL)
WHERE chain_id = $1 AND upper(block_range) > $2`, int64(chainID), int64(ancestor))
	}
	bt.Queue(`DELETE FROM ent_offline_claims WHERE chain_id = $1 AND block_number > $2`, int64(chainID), int64(ancestor))
	bt.Queue(`DELETE FROM ent_redemptions WHERE chain_id = $1 AND block_number > $2`, int64(chainID), int64(ancestor))
	if err := tx.SendBatch(ctx, bt).Close(); err != nil {
		return fmt.Errorf("entities: rolling back chain %d above block %d: %w", chainID, ancestor, err)
	}
	return nil
}

// batch is the state of one HandleEvents call for one chain.
type batch struct {
	h     *Handler
	tx    pgx.Tx
	chain int64

	tokens   *tracker[common.Address, token]
	projects *tracker[common.Address, project]
	bens     *tracker[pair, beneficiary]
	vendors  *tracker[pair, vendor]
	claims   *tracker[claimKey, claim]
	balances *tracker[pair, balance]

	// calls are the decoded claim calls of the batch's OtpAdded and ClaimProcessed events.
	calls map[TxRef]ClaimCall
	// offline and redemptions are the rows of the immutable tables.
	offline, redemptions [][]any
}

func newBatch(h *Handler, tx pgx.Tx, chain uint64) *batch {
	obs := func(table, step string, d time.Duration) {
		h.statements.WithLabelValues(table, step).Observe(d.Seconds())
	}
	return &batch{
		h: h, tx: tx, chain: int64(chain),
		tokens:   newTracker(tokenSpec(), obs),
		projects: newTracker(projectSpec(), obs),
		bens:     newTracker(beneficiarySpec(), obs),
		vendors:  newTracker(vendorSpec(), obs),
		claims:   newTracker(claimSpec(), obs),
		balances: newTracker(balanceSpec(), obs),
		calls:    map[TxRef]ClaimCall{},
	}
}

// flush writes every table's new versions and the immutable rows.
func (b *batch) flush(ctx context.Context) error {
	counts := map[string]int{}
	var err error
	var n int
	if n, err = b.tokens.flush(ctx, b.tx, b.chain); err != nil {
		return err
	}
	counts["ent_tokens"] = n
	if n, err = b.projects.flush(ctx, b.tx, b.chain); err != nil {
		return err
	}
	counts["ent_projects"] = n
	if n, err = b.bens.flush(ctx, b.tx, b.chain); err != nil {
		return err
	}
	counts["ent_beneficiaries"] = n
	if n, err = b.vendors.flush(ctx, b.tx, b.chain); err != nil {
		return err
	}
	counts["ent_vendors"] = n
	if n, err = b.claims.flush(ctx, b.tx, b.chain); err != nil {
		return err
	}
	counts["ent_claims"] = n
	if n, err = b.balances.flush(ctx, b.tx, b.chain); err != nil {
		return err
	}
	counts["ent_balances"] = n
	cols := []string{"chain_id", "project", "beneficiary", "vendor", "token", "amount", "block_number", "block_time", "tx_hash", "log_index"}
	if len(b.offline) > 0 {
		if _, err := b.tx.CopyFrom(ctx, pgx.Identifier{"ent_offline_claims"}, cols, pgx.CopyFromRows(b.offline)); err != nil {
			return fmt.Errorf("copying into ent_offline_claims: %w", err)
		}
		counts["ent_offline_claims"] = len(b.offline)
	}
	if len(b.redemptions) > 0 {
		rcols := []string{"chain_id", "project", "vendor", "token", "amount", "block_number", "block_time", "tx_hash", "log_index"}
		if _, err := b.tx.CopyFrom(ctx, pgx.Identifier{"ent_redemptions"}, rcols, pgx.CopyFromRows(b.redemptions)); err != nil {
			return fmt.Errorf("copying into ent_redemptions: %w", err)
		}
		counts["ent_redemptions"] = len(b.redemptions)
	}
	for t, n := range counts {
		if n > 0 {
			b.h.versions.WithLabelValues(t).Add(float64(n))
		}
	}
	return nil
}
