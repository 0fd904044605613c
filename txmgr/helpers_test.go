package txmgr

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/internal/pgtest"
	"github.com/rahataid/rahat/internal/syncbuf"
)

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" {
		os.Exit(crashChild())
	}
	pgtest.Main(m)
}

// bundle is one test's world: a fresh database, a dev chain and a client of it over JSON-RPC.
type bundle struct {
	db     *pgxpool.Pool
	chain  *devchain.Chain
	client *ethclient.Client
	keys   []*ecdsa.PrivateKey
	logs   *syncbuf.Buffer // everything every manager of the test logged, at debug level
}

// setup starts a chain with cfg (quiet logs unless it fails) and opens a fresh database.
func setup(t *testing.T, cfg devchain.Config) *bundle {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	chain, err := devchain.Start(t.Context(), cfg)
	if err != nil {
		t.Fatalf("starting chain: %v", err)
	}
	t.Cleanup(func() {
		if err := chain.Close(); err != nil {
			t.Errorf("closing chain: %v", err)
		}
	})
	// A client over HTTP, as in production; its transport is the test's own so that idle
	// connections can be closed before the chain shuts down.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	rc, err := rpc.DialOptions(t.Context(), chain.HTTPURL(), rpc.WithHTTPClient(&http.Client{Transport: transport}))
	if err != nil {
		t.Fatalf("dialing chain: %v", err)
	}
	t.Cleanup(func() {
		rc.Close()
		transport.CloseIdleConnections()
	})
	b := &bundle{db: pgtest.New(t), chain: chain, client: ethclient.NewClient(rc), keys: chain.Keys(), logs: &syncbuf.Buffer{}}
	// Every test doubles as a leak test: no private key may ever reach the logs. Registered first,
	// so it runs after the managers have stopped.
	t.Cleanup(func() { assertNoKeys(t, b.logs.String(), b.keys) })
	return b
}

// senderLocks counts the senders' locks held in the test's database (advisory locks name their
// database): one per signer with a session.
func (b *bundle) senderLocks(t *testing.T) (int, error) {
	var n int
	err := b.db.QueryRow(t.Context(), `
SELECT count(*) FROM pg_locks
WHERE locktype = 'advisory' AND objsubid = 2 AND classid::int8 = $1 AND granted
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, int64(lockClass)).Scan(&n)
	return n, err
}

// assertNoKeys fails the test if logs contain any of keys, in hex with or without 0x, any case.
func assertNoKeys(t *testing.T, logs string, keys []*ecdsa.PrivateKey) {
	t.Helper()
	lower := strings.ToLower(logs)
	for i, k := range keys {
		if strings.Contains(lower, hex.EncodeToString(crypto.FromECDSA(k))) {
			t.Errorf("the logs contain private key #%d", i)
		}
	}
}

// config returns a manager configuration for the test chain: fast polling, shallow finality.
func (b *bundle) config(t *testing.T, keys ...*ecdsa.PrivateKey) Config {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.MultiWriter(b.logs, t.Output()), &slog.HandlerOptions{Level: slog.LevelDebug}))
	return Config{
		DB:            b.db,
		Client:        b.client,
		ChainID:       devchain.ChainID,
		Keys:          NewStaticKeys(keys...),
		Confirmations: 2,
		PollInterval:  50 * time.Millisecond,
		ResendAfter:   time.Hour,
		Logger:        logger,
		Registry:      prometheus.NewRegistry(),
	}
}

// manager builds a Manager from cfg.
func newManager(t *testing.T, cfg Config) *Manager {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

// running is a Manager's Run in the background.
type running struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returned, after err is set
	err    error
}

// start runs m until the test ends or stop is called.
func start(t *testing.T, m *Manager) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan struct{})}
	go func() {
		r.err = m.Run(ctx)
		close(r.done)
	}()
	t.Cleanup(func() { _ = r.stop(t) })
	return r
}

// stop cancels Run and returns its result.
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	select {
	case <-r.done:
		return r.err
	case <-time.After(30 * time.Second):
		t.Fatalf("Run did not return after cancel")
		return nil
	}
}

// enqueue writes reqs in one database transaction and returns their ids.
func enqueue(t *testing.T, m *Manager, reqs ...Request) []int64 {
	t.Helper()
	var ids []int64
	err := pgx.BeginFunc(t.Context(), m.cfg.DB, func(tx pgx.Tx) error {
		for _, req := range reqs {
			id, err := m.Enqueue(t.Context(), tx, req)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	return ids
}

// transfer is a plain value transfer of wei from key to a fresh address.
func transfer(key *ecdsa.PrivateKey, wei int64, ref string) Request {
	to := crypto.CreateAddress(crypto.PubkeyToAddress(key.PublicKey), uint64(1e9+wei)) // any address nobody uses
	return Request{Signer: crypto.PubkeyToAddress(key.PublicKey), To: to, Value: big.NewInt(wei), Kind: "test", Ref: ref}
}

// wait waits for id to reach one of states within a deadline.
func wait(t *testing.T, m *Manager, id int64, states ...State) Tx {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	tx, err := m.Wait(ctx, id, states...)
	if err != nil {
		t.Fatalf("waiting for transaction %d to be %v: %v (last: %+v)", id, states, err, tx)
	}
	return tx
}

// exited waits for Run to return by itself and returns its error.
func (r *running) exited(t *testing.T) error {
	t.Helper()
	select {
	case <-r.done:
		return r.err
	case <-time.After(time.Minute):
		t.Fatal("Run did not return")
		return nil
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		select {
		case <-t.Context().Done():
			t.Fatalf("test ended waiting for %s", what)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// addr returns the address of key.
func addr(key *ecdsa.PrivateKey) common.Address { return crypto.PubkeyToAddress(key.PublicKey) }

// counter reads a counter or gauge.
func counter(t *testing.T, c prometheus.Metric) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	t.Fatalf("unsupported metric %v", &m)
	return 0
}

var errCrash = errors.New("simulated crash")

func big1gwei() *big.Int   { return big.NewInt(1_000_000_000) }
func big100gwei() *big.Int { return big.NewInt(100_000_000_000) }
