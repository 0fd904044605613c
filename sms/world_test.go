package sms

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/xml"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/entity"
	"github.com/rahataid/rahat/indexer/schema"
	"github.com/rahataid/rahat/internal/pgtest"
	"github.com/rahataid/rahat/internal/syncbuf"
	"github.com/rahataid/rahat/phone"
	"github.com/rahataid/rahat/sms/internal/twiliofake"
	"github.com/rahataid/rahat/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// The test account. Twilio's client accepts only alphanumeric credentials.
const (
	testChain   = 31337
	testAccount = "AC0123456789abcdef0123456789abcdef"
	testToken   = "f00dbabe0123456789abcdef01234567"
	testFrom    = "+15005550006"
)

var (
	hashKey = bytes.Repeat([]byte{7}, 32)
	boxKey  = bytes.Repeat([]byte{9}, 32)
)

// options shape a test's service.
type options struct {
	twilio bool          // send through the fake Twilio (else the log sender)
	url    bool          // keep the database's URL (for a child process)
	run    bool          // run the queue
	read   bool          // read balances from a second pool, as from a replica (Config.Read)
	mutate func(*Config) // last word on the configuration
}

// bundle is one test's world: a database, the service behind an HTTP server, a fake Twilio,
// an entity handler to put balances on "chain", and the logs.
type bundle struct {
	t      testing.TB
	ctx    context.Context
	db     *pgxpool.Pool
	dbURL  string
	svc    *Service
	srv    *httptest.Server
	fake   *twiliofake.Server
	phones *phone.Hasher
	box    *phone.Box
	logs   *syncbuf.Buffer
	ents   *entity.Handler
	block  uint64
	// secrets must never appear in the logs: every registered number and every code sent.
	secrets []string
}

func setup(t testing.TB, o options) *bundle {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	b := &bundle{t: t, ctx: ctx, logs: &syncbuf.Buffer{}}
	var err error
	if o.url || o.read {
		b.dbURL = pgtest.NewURL(t)
		if b.db, err = store.Open(ctx, b.dbURL, store.PoolConfig{MaxConns: 8}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.db.Close)
	} else {
		b.db = pgtest.New(t)
	}
	if b.phones, err = phone.NewHasher(hashKey, "NP"); err != nil {
		t.Fatal(err)
	}
	if b.box, err = phone.NewBox(boxKey); err != nil {
		t.Fatal(err)
	}
	b.fake = twiliofake.New(testAccount, testToken)
	t.Cleanup(b.fake.Close)
	var handler http.Handler
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(b.srv.Close)
	cfg := b.config(o)
	if o.read {
		read, err := store.Open(ctx, b.dbURL, store.PoolConfig{MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(read.Close)
		cfg.Read = read
	}
	if o.mutate != nil {
		o.mutate(&cfg)
	}
	if b.svc, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	handler = b.svc.Handler()
	if b.ents, err = entity.New(entity.Config{Chain: chainStub{}}); err != nil {
		t.Fatal(err)
	}
	if o.run {
		b.run(b.svc)
	}
	t.Cleanup(b.checkLogs)
	return b
}

// config is the test configuration: fast polling and retries, logs captured at debug level.
func (b *bundle) config(o options) Config {
	cfg := Config{
		DB: b.db, ChainID: testChain, Phones: b.phones, Box: b.box,
		Twilio:    Twilio{AuthToken: testToken, Timeout: 5 * time.Second},
		PublicURL: b.srv.URL,
		Notices:   Notices{Disabled: true},
		Queue: Queue{RetryBase: 10 * time.Millisecond, RetryMax: 200 * time.Millisecond, JobTimeout: 5 * time.Second,
			RescueAfter: 11 * time.Second, FetchPollInterval: 20 * time.Millisecond},
		Logger:    slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		testHooks: &testHooks{river: func(rc *river.Config) { rc.TestOnly = true }},
	}
	if o.twilio {
		cfg.Twilio.AccountSID, cfg.Twilio.From, cfg.Twilio.BaseURL = testAccount, testFrom, b.fake.URL()
	} else {
		cfg.DevOutbox = true // the log sender
	}
	return cfg
}

// run works svc's queue until the test ends.
func (b *bundle) run(svc *Service) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	b.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.t.Errorf("Run: %v", err)
		}
	})
}

// checkLogs fails the test if a number or a code reached the logs.
func (b *bundle) checkLogs() {
	logs := b.logs.String()
	for _, s := range b.secrets {
		if strings.Contains(logs, s) {
			b.t.Errorf("the logs contain the secret %q:\n%s", s, logs)
		}
	}
}

// register adds a beneficiary with a phone number in a project and returns its id.
func (b *bundle) register(project, address common.Address, number, lang string) int64 {
	b.t.Helper()
	e164, err := phone.Normalize(number, "NP")
	if err != nil {
		b.t.Fatal(err)
	}
	hash, err := b.phones.Hash(e164)
	if err != nil {
		b.t.Fatal(err)
	}
	sealed, err := b.box.Seal(e164)
	if err != nil {
		b.t.Fatal(err)
	}
	var id int64
	err = b.db.QueryRow(b.ctx, `
INSERT INTO reg_beneficiaries (chain_id, project, address, phone_hash, phone_enc, language)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, testChain, project.Bytes(), address.Bytes(), hash, sealed, lang).Scan(&id)
	if err != nil {
		b.t.Fatal(err)
	}
	b.secrets = append(b.secrets, strings.TrimPrefix(e164, "+"), e164[len(e164)-8:])
	return id
}

// sms sends a signed inbound message from a number and returns the status and the TwiML.
func (b *bundle) sms(from, body string) (int, string) {
	b.t.Helper()
	return b.post("/sms/inbound", InboundSMS(testAccount, from, testFrom, body), true)
}

func (b *bundle) post(path string, p url.Values, sign bool) (int, string) {
	b.t.Helper()
	status, body, err := b.fake.Post(b.ctx, b.srv.URL+path, b.srv.URL+path, p, sign)
	if err != nil {
		b.t.Fatal(err)
	}
	return status, body
}

// response is a parsed TwiML answer.
type response struct {
	XMLName  xml.Name  `xml:"Response"`
	Messages []string  `xml:"Message"`
	Says     []say     `xml:"Say"`
	Hangup   *struct{} `xml:"Hangup"`
}

type say struct {
	Language string `xml:"language,attr"`
	Voice    string `xml:"voice,attr"`
	Loop     string `xml:"loop,attr"`
	Text     string `xml:",chardata"`
}

func parseTwiML(t testing.TB, body string) response {
	t.Helper()
	var r response
	if err := xml.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("not TwiML: %v\n%s", err, body)
	}
	return r
}

// reply sends an SMS and returns the single message of the answer ("" for none).
func (b *bundle) reply(from, body string) string {
	b.t.Helper()
	status, twiml := b.sms(from, body)
	if status != http.StatusOK {
		b.t.Fatalf("SMS %q from a number: status %d: %s", body, status, twiml)
	}
	r := parseTwiML(b.t, twiml)
	switch len(r.Messages) {
	case 0:
		return ""
	case 1:
		return r.Messages[0]
	}
	b.t.Fatalf("several messages in one answer: %s", twiml)
	return ""
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond) // polling interval of a condition with a deadline
	}
}

// chainStub answers the entity handler's few questions to the node: token metadata by address.
type chainStub struct{}

var tokenInfos = map[common.Address]entity.TokenInfo{}

func init() {
	str := func(s string) *string { return &s }
	dec := func(d uint8) *uint8 { return &d }
	tokenInfos[tokRHT] = entity.TokenInfo{Name: str("Rahat Token"), Symbol: str("RHT"), Decimals: dec(18)}
	tokenInfos[tokUSD] = entity.TokenInfo{Name: str("Dollar Voucher"), Symbol: str("USDX"), Decimals: dec(2)}
}

func (chainStub) TokenInfo(_ context.Context, t common.Address, _ common.Hash) (entity.TokenInfo, error) {
	return tokenInfos[t], nil
}
func (chainStub) ProjectInfo(context.Context, common.Address, common.Hash) (entity.ProjectInfo, error) {
	return entity.ProjectInfo{}, nil
}
func (chainStub) ClaimCalls(_ context.Context, refs []entity.TxRef) ([]entity.ClaimCall, error) {
	return make([]entity.ClaimCall, len(refs)), nil
}
func (chainStub) Claim(context.Context, common.Address, *big.Int, common.Hash) (entity.OnchainClaim, bool, error) {
	return entity.OnchainClaim{}, false, nil
}

// Addresses of the test chain.
var (
	tokRHT  = common.HexToAddress("0x1000000000000000000000000000000000000001")
	tokUSD  = common.HexToAddress("0x1000000000000000000000000000000000000002")
	factory = common.HexToAddress("0x2000000000000000000000000000000000000001")
	proj1   = common.HexToAddress("0x3000000000000000000000000000000000000001") // RHT
	proj2   = common.HexToAddress("0x3000000000000000000000000000000000000002") // USDX
	proj3   = common.HexToAddress("0x3000000000000000000000000000000000000003") // RHT again
	vendor1 = common.HexToAddress("0x4000000000000000000000000000000000000001")
)

func ben(i int) common.Address { return common.BigToAddress(big.NewInt(int64(0x5000 + i))) }

// Events as the indexer decodes them.
func ev(contract, name string, addr common.Address, args map[string]any) indexer.Event {
	var h common.Hash
	_, _ = rand.Read(h[:])
	return indexer.Event{ChainID: testChain, Source: contract, Contract: contract, Name: name, Address: addr, TxHash: h, Args: args}
}

func projectCreated(p, token common.Address) indexer.Event {
	return ev("RahatProjectFactory", "ProjectCreated", factory, map[string]any{"projectAddress": p, "tokenAddress": token, "name": "p"})
}
func mint(token, to common.Address, v *big.Int) indexer.Event {
	return ev("RahatToken", "Transfer", token, map[string]any{"from": common.Address{}, "to": to, "value": v})
}
func allocate(p, token, b common.Address, v *big.Int) indexer.Event {
	return ev("RahatProject", "TokensAllocated", p, map[string]any{"token": token, "beneficiary": b, "amount": v})
}
func offlineClaim(p, token, b common.Address, v *big.Int) indexer.Event {
	return ev("RahatProject", "OfflineClaimProcessed", p, map[string]any{"beneficiary": b, "vendor": vendor1, "tokenAddress": token, "amount": v})
}

// rht and usd are amounts in the tokens' smallest units.
func rht(whole int64) *big.Int { return units(whole, 18) }
func usd(cents int64) *big.Int { return big.NewInt(cents) }

// mine applies events as one new block, the way the indexer does: entities, plus the
// TokensAllocated rows of the event table when it exists, and the checkpoint.
func (b *bundle) mine(events ...indexer.Event) uint64 {
	b.t.Helper()
	b.block++
	for i := range events {
		events[i].BlockNumber, events[i].LogIndex, events[i].BlockTime = b.block, uint(i), 1_700_000_000+b.block
		events[i].BlockHash = common.BigToHash(new(big.Int).SetUint64(b.block))
	}
	err := pgx.BeginFunc(b.ctx, b.db, func(tx pgx.Tx) error {
		if err := b.ents.HandleEvents(b.ctx, tx, events); err != nil {
			return err
		}
		var exists bool
		if err := tx.QueryRow(b.ctx, `SELECT to_regclass($1) IS NOT NULL`, allocationsTable).Scan(&exists); err != nil || !exists {
			return err
		}
		for _, e := range events {
			if e.Name != "TokensAllocated" {
				continue
			}
			if _, err := tx.Exec(b.ctx, `INSERT INTO `+allocationsTable+` (chain_id, contract, block_number, block_hash, block_timestamp,
tx_hash, tx_index, log_index, token, beneficiary, amount) VALUES ($1,$2,$3,$4,$5,$6,0,$7,$8,$9,$10)`,
				testChain, e.Address.Bytes(), int64(e.BlockNumber), e.BlockHash.Bytes(), int64(e.BlockTime), e.TxHash.Bytes(),
				int32(e.LogIndex), e.Args["token"].(common.Address).Bytes(), e.Args["beneficiary"].(common.Address).Bytes(),
				e.Args["amount"].(*big.Int).String()); err != nil {
				return err
			}
		}
		_, err := tx.Exec(b.ctx, `
INSERT INTO indexer_chains (chain_id, network, start_block, indexed_block) VALUES ($1, 'test', 0, $2)
ON CONFLICT (chain_id) DO UPDATE SET indexed_block = $2`, testChain, int64(b.block))
		return err
	})
	if err != nil {
		b.t.Fatalf("mining block %d: %v", b.block, err)
	}
	return b.block
}

// finalize marks blocks up to n final.
func (b *bundle) finalize(n uint64) {
	b.t.Helper()
	if _, err := b.db.Exec(b.ctx, `UPDATE indexer_chains SET finalized_block = $2 WHERE chain_id = $1`, testChain, int64(n)); err != nil {
		b.t.Fatal(err)
	}
}

// createAllocationsTable creates the indexer's TokensAllocated table from the ABI, as the indexer
// does at its first start.
func (b *bundle) createAllocationsTable() {
	b.t.Helper()
	a, err := contracts.ABI("RahatProject")
	if err != nil {
		b.t.Fatal(err)
	}
	tbl, err := schema.NewTable("RahatProject", a.Events["TokensAllocated"])
	if err != nil {
		b.t.Fatal(err)
	}
	if tbl.Name != allocationsTable {
		b.t.Fatalf("the indexer names the table %s, the scanner reads %s", tbl.Name, allocationsTable)
	}
	for _, q := range append(tbl.CreateSQL(), tbl.PartitionSQL(0, 1_000_000)) {
		if _, err := b.db.Exec(b.ctx, q); err != nil {
			b.t.Fatalf("%s: %v", q, err)
		}
	}
}
