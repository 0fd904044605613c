package api_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/api"
	"github.com/rahataid/rahat/api/apitest"
	"github.com/rahataid/rahat/api/auth"
	"github.com/rahataid/rahat/config"
	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/entity"
	"github.com/rahataid/rahat/internal/pgtest"
	"github.com/rahataid/rahat/internal/syncbuf"
	"github.com/rahataid/rahat/phone"
	"github.com/rahataid/rahat/store"
	"github.com/rahataid/rahat/txmgr"
	"github.com/rahataid/rahat/workload"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var secret = []byte("test-secret-of-at-least-thirty-two-bytes!")

// clock is the world's adjustable clock: the API, its tokens and code expiries follow it.
type clock struct{ off atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) advance(d time.Duration) { c.off.Add(int64(d)) }

// world is a dev chain with a deployed, funded project, indexed by the real indexer into a fresh
// database, a running transaction manager, and the API served over HTTP.
type world struct {
	t         *testing.T
	chain     *devchain.Chain
	client    *ethclient.Client
	dep       *workload.Deployment
	deployer  *ecdsa.PrivateKey
	operator  common.Address
	otp       common.Address
	funder    common.Address
	proj      workload.Project // managed by the API's operator
	unmanaged workload.Project // another admin: the API may not act in it
	db        *pgxpool.Pool
	url       string // the database URL
	ix        *indexer.Indexer
	keys      *apitest.KeyPool
	allKeys   *txmgr.StaticKeys
	tx        *txmgr.Manager
	stopTx    context.CancelFunc
	txDone    chan struct{}
	api       *api.Server
	stopAPI   context.CancelFunc
	apiDone   chan struct{}
	srv       *httptest.Server
	clk       *clock
	reg       *prometheus.Registry
	logs      *syncbuf.Buffer
	txCfg     txmgr.Config
	hasher    *phone.Hasher
	box       *phone.Box
	stopIx    func()
}

type worldOpts struct {
	chain       devchain.Config
	otpKey      *ecdsa.PrivateKey // the projects' OTP server key; nil: a funded dev chain key
	confirm     uint64
	maxInFlight int
	apiCfg      func(*api.Config)
	vendors     int
	budget      *big.Int
}

func newWorld(t *testing.T, o worldOpts) *world {
	t.Helper()
	ctx := t.Context()
	quiet := slog.New(slog.DiscardHandler)
	if o.chain.Logger == nil {
		o.chain.Logger = quiet
	}
	if o.chain.BlockInterval == 0 && !o.chain.AutoMine {
		o.chain.AutoMine, o.chain.BlockInterval = true, 100*time.Millisecond
	}
	chain, err := devchain.Start(ctx, o.chain)
	if err != nil {
		t.Fatalf("starting chain: %v", err)
	}
	t.Cleanup(func() { _ = chain.Close() })
	transport := http.DefaultTransport.(*http.Transport).Clone()
	rc, err := rpc.DialOptions(ctx, chain.HTTPURL(), rpc.WithHTTPClient(&http.Client{Transport: transport}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rc.Close(); transport.CloseIdleConnections() })
	keys := chain.Keys()
	w := &world{t: t, chain: chain, client: ethclient.NewClient(rc), deployer: keys[0], clk: &clock{}, logs: &syncbuf.Buffer{},
		operator: crypto.PubkeyToAddress(keys[1].PublicKey), otp: crypto.PubkeyToAddress(cmpOr(o.otpKey, keys[2]).PublicKey),
		funder: crypto.PubkeyToAddress(keys[3].PublicKey)}
	if w.dep, err = workload.Deploy(ctx, w.client, w.deployer, workload.Options{Logger: quiet}); err != nil {
		t.Fatalf("deploying: %v", err)
	}
	budget := o.budget
	if budget == nil {
		budget = big.NewInt(1_000_000_000)
	}
	if w.proj, err = workload.DeployProject(ctx, w.client, chain.ChainID(), w.deployer, w.dep.Treasury, w.dep.ProjectFactory,
		w.operator, w.otp, "Flood relief", "AID", budget); err != nil {
		t.Fatal(err)
	}
	if w.unmanaged, err = workload.DeployProject(ctx, w.client, chain.ChainID(), w.deployer, w.dep.Treasury, w.dep.ProjectFactory,
		crypto.PubkeyToAddress(w.deployer.PublicKey), w.otp, "Elsewhere", "ELS", budget); err != nil {
		t.Fatal(err)
	}

	if w.hasher, err = phone.NewHasher([]byte("phone-hash-key-of-at-least-32-bytes!!"), "NP"); err != nil {
		t.Fatal(err)
	}
	if w.box, err = phone.NewBox(bytes.Repeat([]byte{7}, 32)); err != nil {
		t.Fatal(err)
	}
	w.url = pgtest.NewURL(t)
	w.db = openPool(t, w.url, 40)
	if err := apitest.CreateCodesTable(ctx, w.db); err != nil {
		t.Fatal(err)
	}
	w.startIndexer()

	if o.vendors == 0 {
		o.vendors = 3
	}
	if w.keys, err = apitest.NewKeyPool(o.vendors); err != nil {
		t.Fatal(err)
	}
	w.allKeys = txmgr.NewStaticKeys(append([]*ecdsa.PrivateKey{keys[1], cmpOr(o.otpKey, keys[2]), keys[3]}, w.keys.Keys()...)...)
	w.txCfg = txmgr.Config{DB: openPool(t, w.url, 20), Client: w.client, ChainID: devchain.ChainID, Keys: w.allKeys,
		Confirmations: cmpOr(o.confirm, 2), PollInterval: 50 * time.Millisecond, ResendAfter: time.Minute,
		MaxInFlight: o.maxInFlight, Logger: w.logger("txmgr")}
	w.startTx()
	w.startAPI(o.apiCfg)
	w.waitIndexed()
	return w
}

func cmpOr[T comparable](a, b T) T {
	var zero T
	if a != zero {
		return a
	}
	return b
}

func openPool(t *testing.T, url string, max int32) *pgxpool.Pool {
	t.Helper()
	p, err := store.Open(t.Context(), url, store.PoolConfig{MaxConns: max, ApplicationName: "api-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func (w *world) logger(component string) *slog.Logger {
	return slog.New(slog.NewTextHandler(io.MultiWriter(w.logs, w.t.Output()), &slog.HandlerOptions{Level: slog.LevelWarn})).
		With("component", component)
}

func (w *world) startIndexer() {
	t := w.t
	rpcChain, err := entity.NewRPC(w.client)
	if err != nil {
		t.Fatal(err)
	}
	h, err := entity.New(entity.Config{Chain: rpcChain})
	if err != nil {
		t.Fatal(err)
	}
	w.ix, err = indexer.New(indexer.Config{
		Network: config.Network{Name: "dev", ChainID: devchain.ChainID, RPCURL: w.chain.HTTPURL(), FinalityDepth: 64,
			PollInterval: config.Duration(20 * time.Millisecond), RequestTimeout: config.Duration(10 * time.Second)},
		Sources: w.dep.Sources("dev"), DB: openPool(t, w.url, 8), ABI: contracts.ABI, Handlers: []indexer.Handler{h},
		Logger: w.logger("indexer"), RetryBase: 10 * time.Millisecond, RetryMax: 200 * time.Millisecond,
		LockCheckInterval: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.ix.Run(ctx) }()
	w.stopIx = func() { cancel(); <-done }
	t.Cleanup(w.stopIx)
}

// startTx (re)starts the transaction manager.
func (w *world) startTx() {
	var err error
	cfg := w.txCfg
	cfg.Registry = prometheus.NewRegistry()
	if w.tx, err = txmgr.New(cfg); err != nil {
		w.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	m := w.tx
	go func() { defer close(done); _ = m.Run(ctx) }()
	w.stopTx, w.txDone = cancel, done
	w.t.Cleanup(func() { cancel(); <-done })
}

// killTx stops the transaction manager as a crash would stop it.
func (w *world) killTx() { w.stopTx(); <-w.txDone }

func (w *world) apiConfig(tune func(*api.Config)) api.Config {
	cfg := api.Config{DB: w.db, Tx: w.tx, Client: w.client, ChainID: devchain.ChainID,
		Auth: auth.Config{HS256Secret: secret}, Phones: w.hasher, Box: w.box, Codes: apitest.Codes{}, Keys: w.keys,
		Operator: w.operator, OTPServer: w.otp, Funder: w.funder, VendorFunding: big.NewInt(1e18),
		PollInterval: 50 * time.Millisecond, RatePerSecond: 1000, RateBurst: 1000,
		Logger: w.logger("api"), Registry: prometheus.NewRegistry(), Now: w.clk.now}
	if tune != nil {
		tune(&cfg)
	}
	return cfg
}

// startAPI (re)starts the API server and its worker.
func (w *world) startAPI(tune func(*api.Config)) {
	cfg := w.apiConfig(tune)
	w.reg = cfg.Registry
	s, err := api.New(cfg)
	if err != nil {
		w.t.Fatalf("api.New: %v", err)
	}
	w.api = s
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Run(ctx) }()
	w.stopAPI, w.apiDone = cancel, done
	if w.srv != nil {
		w.srv.Close()
	}
	w.srv = httptest.NewServer(s)
	srv := w.srv
	w.t.Cleanup(func() { srv.Close(); cancel(); <-done })
}

// killAPI stops the API and its worker.
func (w *world) killAPI() { w.srv.Close(); w.stopAPI(); <-w.apiDone }

// waitIndexed waits until the indexer has committed the chain's head.
func (w *world) waitIndexed() {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.t.Context(), time.Minute)
	defer cancel()
	head, err := w.client.BlockNumber(ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := w.ix.WaitIndexed(ctx, head); err != nil {
		w.t.Fatalf("waiting for the indexer: %v", err)
	}
}

// token issues an HS256 token with the world's clock.
func (w *world) token(role auth.Role, vendor *common.Address) string {
	w.t.Helper()
	tok, err := auth.IssueHS256(secret, auth.TokenSpec{Roles: []auth.Role{role}, Vendor: vendor, Now: w.clk.now(), TTL: 2 * time.Hour})
	if err != nil {
		w.t.Fatal(err)
	}
	return tok
}

// resp is an HTTP response read in full.
type resp struct {
	status int
	body   []byte
	header http.Header
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// apiError is the error shape.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details []struct {
		Field   string `json:"field"`
		Problem string `json:"problem"`
	} `json:"details"`
	RequestID string `json:"request_id"`
}

func (r resp) err(t *testing.T) apiError {
	t.Helper()
	var e apiError
	r.json(t, &e)
	if e.Code == "" || e.RequestID == "" || e.Details == nil {
		t.Fatalf("not the error shape: %s", r.body)
	}
	return e
}

// call sends a request; body is marshalled unless it is a string or []byte. hdr adds headers
// (pairs); "Idempotency-Key" etc.
func (w *world) call(method, path, tok string, body any, hdr ...string) resp {
	w.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			w.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(w.t.Context(), method, w.srv.URL+path, rd)
	if err != nil {
		w.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := w.srv.Client().Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	return resp{status: res.StatusCode, body: b, header: res.Header}
}

var keySeq atomic.Int64

// idem returns a fresh Idempotency-Key header pair.
func idem() []string {
	return []string{"Idempotency-Key", fmt.Sprintf("k-%d-%d", time.Now().UnixNano(), keySeq.Add(1))}
}

// eventually polls cond until it holds or the deadline passes: a wait on a condition.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// snapshotCols are the columns of each table a request may change. The background worker's own
// columns (states it derives from transactions, codes it sends) are left out: they move while a
// test runs, whatever requests do.
var snapshotCols = map[string]string{
	"reg_beneficiaries":       "*",
	"reg_vendors":             "*",
	"api_idempotency":         "*",
	"api_distributions":       "id, chain_id, project, token, signer, item_count, total, reserved, added, created_by, request_id",
	"api_distribution_items":  "*",
	"api_chain_beneficiaries": "*",
	"api_vendor_setup":        "*",
	"api_claims":              "id, vendor_id, beneficiary_id, amount, attempts, create_tx, process_tx, created_by",
	"api_settlements":         "id, vendor_id, amount, approve_tx, redeem_tx, created_by",
	"txmgr_txs":               "id, signer, to_addr, data, value, kind, ref",
}

// snapshot fingerprints every table a request may change, to prove an error changed nothing.
func (w *world) snapshot() string {
	w.t.Helper()
	var out strings.Builder
	for _, tbl := range []string{"reg_beneficiaries", "reg_vendors", "api_idempotency", "api_distributions",
		"api_distribution_items", "api_chain_beneficiaries", "api_vendor_setup", "api_claims", "api_settlements", "txmgr_txs"} {
		var n int64
		var sum *string
		q := fmt.Sprintf("SELECT count(*), md5(string_agg(t::text, ',' ORDER BY t::text)) FROM (SELECT %s FROM %s) t", snapshotCols[tbl], tbl)
		if err := w.db.QueryRow(w.t.Context(), q).Scan(&n, &sum); err != nil {
			w.t.Fatal(err)
		}
		fmt.Fprintf(&out, "%s=%d/%v ", tbl, n, deref(sum))
	}
	return out.String()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
