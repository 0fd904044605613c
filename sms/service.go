package sms

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	twclient "github.com/twilio/twilio-go/client"

	"github.com/rahataid/rahat/indexer/entity"
)

// queueName is the river queue of SMS jobs. A queue of its own keeps other packages' river
// clients from fetching these jobs and this client from fetching theirs.
const queueName = "sms"

// Service answers beneficiaries' SMS and calls and sends them codes and notices.
type Service struct {
	cfg       Config
	db        *pgxpool.Pool
	read      entity.Querier // a separate pool for balances (a replica), or nil: see lookup
	log       *slog.Logger
	words     wordSet
	validator twclient.RequestValidator
	river     *river.Client[pgx.Tx]
	transport transport
	outbox    *outbox // the log sender's messages, for the dev page; nil with Twilio
	m         *metrics
}

// testHooks is set by this package's tests only.
type testHooks struct {
	// river adjusts the river client's configuration (poll intervals, leader election).
	river func(*river.Config)
}

// New returns a Service. It starts nothing: Handler serves the webhooks, Run sends messages.
// SendClaimCode and NotifyAllocation may be called before Run; their messages wait in the queue.
func New(cfg Config) (*Service, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Service{
		cfg:       cfg,
		db:        cfg.DB,
		log:       cfg.Logger,
		words:     newWordSet(cfg.Words),
		validator: twclient.NewRequestValidator(cfg.Twilio.AuthToken),
	}
	if cfg.Read != entity.Querier(cfg.DB) {
		// A separate read pool (a replica) costs a balance check a second round trip: the
		// statement that counts the message writes, so it runs on the primary.
		s.read = cfg.Read
	}
	var err error
	if s.m, err = newMetrics(cfg.Registry); err != nil {
		return nil, err
	}
	if cfg.Twilio.AccountSID == "" {
		s.outbox = newOutbox(200)
		s.transport = &logTransport{log: s.log, outbox: s.outbox}
		s.log.Info("sms: no Twilio account configured: outbound messages go to the log", "outbox", cfg.DevOutbox)
	} else if s.transport, err = newTwilioTransport(cfg.Twilio); err != nil {
		return nil, err
	}

	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &sendWorker{s: s}); err != nil {
		return nil, fmt.Errorf("sms: registering the send worker: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &scanWorker{s: s}); err != nil {
		return nil, fmt.Errorf("sms: registering the allocation scanner: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &maintenanceWorker{s: s}); err != nil {
		return nil, fmt.Errorf("sms: registering the maintenance worker: %w", err)
	}
	periodic := []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(10*time.Minute),
			func() (river.JobArgs, *river.InsertOpts) {
				return maintenanceArgs{}, &river.InsertOpts{Queue: queueName}
			},
			&river.PeriodicJobOpts{ID: "sms_maintenance", RunOnStart: true}),
	}
	if !cfg.Notices.Disabled {
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(cfg.Notices.Interval),
			func() (river.JobArgs, *river.InsertOpts) {
				return scanArgs{}, &river.InsertOpts{Queue: queueName, MaxAttempts: 1}
			},
			&river.PeriodicJobOpts{ID: "sms_scan_allocations", RunOnStart: true}))
	}
	rc := &river.Config{
		Logger:               slog.New(minLevel{h: s.log.With("component", "river").Handler(), min: slog.LevelWarn}),
		Queues:               map[string]river.QueueConfig{queueName: {MaxWorkers: cfg.Queue.Workers}},
		Workers:              workers,
		PeriodicJobs:         periodic,
		JobTimeout:           cfg.Queue.JobTimeout,
		RescueStuckJobsAfter: cfg.Queue.RescueAfter,
		FetchPollInterval:    cfg.Queue.FetchPollInterval,
		FetchCooldown:        min(100*time.Millisecond, cfg.Queue.FetchPollInterval),
		MaxAttempts:          cfg.Queue.MaxAttempts,
		RetryPolicy:          backoff{base: cfg.Queue.RetryBase, max: cfg.Queue.RetryMax},
		SoftStopTimeout:      cfg.Queue.JobTimeout,
	}
	if cfg.testHooks != nil && cfg.testHooks.river != nil {
		cfg.testHooks.river(rc)
	}
	if s.river, err = river.NewClient(riverpgxv5.New(cfg.DB), rc); err != nil {
		return nil, fmt.Errorf("sms: creating the job queue client: %w", err)
	}
	return s, nil
}

// Handler serves the webhooks under /sms/: POST /sms/inbound (messages), POST /sms/voice
// (calls), POST /sms/status (delivery callbacks) and, with DevOutbox, GET /sms/outbox.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /sms/inbound", s.handleInbound)
	mux.HandleFunc("POST /sms/voice", s.handleVoice)
	mux.HandleFunc("POST /sms/status", s.handleStatus)
	if s.cfg.DevOutbox {
		mux.HandleFunc("GET /sms/outbox", s.handleOutbox)
	}
	return mux
}

// Run works the SMS queue (sending, allocation notices, maintenance) until ctx ends, then lets
// the messages being sent finish (at most Queue.JobTimeout) and returns nil. Any number of
// processes may run it against one database.
func (s *Service) Run(ctx context.Context) error {
	// Cancelling ctx makes river stop fetching, wait up to SoftStopTimeout for the messages
	// being sent, then cancel them; an attempt cut short is finished by the next one (doc.go).
	if err := s.river.Start(ctx); err != nil {
		return fmt.Errorf("sms: starting the job queue: %w", err)
	}
	<-s.river.Stopped()
	return nil
}

// backoff is the retry policy: RetryBase doubling per attempt up to RetryMax, ±10% jitter so
// that messages failed together do not retry together. It is shorter than river's default
// (attempt^4 seconds) because a claim code is useful for minutes, not hours.
type backoff struct{ base, max time.Duration }

// NextRetry implements river.ClientRetryPolicy.
func (b backoff) NextRetry(job *rivertype.JobRow) time.Time {
	d := b.base
	for i := 1; i < job.Attempt && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	jitter := time.Duration((rand.Float64()*0.2 - 0.1) * float64(d))
	return time.Now().Add(d + jitter)
}

// minLevel drops records below min: river reports routine maintenance at info level.
type minLevel struct {
	h   slog.Handler
	min slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.min && m.h.Enabled(ctx, l)
}
func (m minLevel) Handle(ctx context.Context, r slog.Record) error { return m.h.Handle(ctx, r) }
func (m minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h: m.h.WithAttrs(as), min: m.min}
}
func (m minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h: m.h.WithGroup(name), min: m.min}
}
