package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/indexer/entity"
	"github.com/rahataid/rahat/phone"
	"github.com/rahataid/rahat/sms"
)

// The SMS suite (issue 8): signed balance checks through the real webhook over HTTP (signature,
// number normalisation and keyed hash, per-number rate limit, registrations and indexed balances,
// reply text, TwiML), under concurrent load. The baseline is the floor of any such webhook: a bare
// net/http handler on the same kind of server, reached by the same client with the same form,
// that reads the same balance in one read-only SQL statement through pgx on the same pool, and
// writes it as plain text; it skips the signature, the normalisation (the hash is looked up in a
// map), the rate limit and the text. Webhook and baseline share the machine's noise: at saturation
// they run in alternating one-second rounds (AB BA AB ...), at a fixed rate mixed request by
// request, so that the load of anything else on the machine falls on both alike and the ratios
// hold where the absolute figures move. Beneficiaries and balances are written by the real entity
// handler.
//
// RAHAT_BENCH_SMS_CPUPROFILE=DIR writes CPU profiles of the two phases (webhook and baseline
// rounds together; the handlers tell them apart) to DIR/sms-saturated.pprof and
// DIR/sms-fixed-rate.pprof.
const (
	smsBeneficiaries = 20_000
	smsClients       = 16
	smsPoolConns     = 16
	smsChain         = 1337
	smsSample        = 4_000 // distinct phones the clients text from
	smsAuthToken     = "0123456789abcdef0123456789abcdef"
	smsRate          = 200 // req/s of the latency measurement
	smsRound         = time.Second
)

func smsSuite() Suite { return Suite{Name: "sms", Run: runSMSSuite} }

var (
	smsTokRHT = common.HexToAddress("0x1000000000000000000000000000000000000001")
	smsTokUSD = common.HexToAddress("0x1000000000000000000000000000000000000002")
	smsProj1  = common.HexToAddress("0x3000000000000000000000000000000000000001")
	smsProj2  = common.HexToAddress("0x3000000000000000000000000000000000000002")
)

func runSMSSuite(ctx context.Context, env *Env) ([]Result, error) {
	pool, _, err := env.NewDatabase(ctx, smsPoolConns)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	hasher, err := phone.NewHasher(bytes.Repeat([]byte{7}, 32), "NP")
	if err != nil {
		return nil, err
	}
	box, err := phone.NewBox(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		return nil, err
	}
	n := env.N(smsBeneficiaries)
	start := time.Now()
	phones, err := smsLoad(ctx, pool, hasher, box, n)
	if err != nil {
		return nil, fmt.Errorf("loading beneficiaries: %w", err)
	}
	env.Log.Info("sms: beneficiaries loaded", "beneficiaries", n, "took", time.Since(start).Round(time.Millisecond))

	hookLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	public := "http://" + hookLn.Addr().String()
	svc, err := sms.New(sms.Config{DB: pool, ChainID: smsChain, Phones: hasher, Box: box, PublicURL: public,
		// No outbound messages here: the dev log sender stands in for a Twilio account.
		Twilio: sms.Twilio{AuthToken: smsAuthToken}, DevOutbox: true, Notices: sms.Notices{Disabled: true},
		// Every message is counted against its number's window (the upsert runs), but the limit is
		// out of reach: the clients text thousands of times from a few thousand numbers.
		RateLimit: sms.RateLimit{Messages: 1 << 30, Window: time.Hour},
		Registry:  prometheus.NewRegistry()})
	if err != nil {
		return nil, err
	}
	hashes := map[string][]byte{} // the baseline's numbers, hashed ahead
	reqs := make([]smsRequest, min(smsSample, len(phones)))
	hookURL := public + "/sms/inbound"
	for i := range reqs {
		from := phones[i*len(phones)/len(reqs)]
		p := sms.InboundSMS("AC00000000000000000000000000000000", from, "+15005550006", "BAL")
		reqs[i] = smsRequest{p.Encode(), sms.Signature(smsAuthToken, hookURL, p)}
		if hashes[from], err = hasher.Hash(from); err != nil {
			return nil, err
		}
	}
	baseLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		hookLn.Close()
		return nil, err
	}
	baseURL := "http://" + baseLn.Addr().String() + "/inbound"
	for _, s := range []struct {
		ln net.Listener
		h  http.Handler
	}{{hookLn, svc.Handler()}, {baseLn, smsBareHandler(pool, hashes)}} {
		srv := &http.Server{Handler: s.h, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(s.ln) }()
		defer srv.Close()
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}
	hook := func(ctx context.Context, rnd *rand.Rand) error {
		return smsPost(ctx, client, hookURL, reqs[rnd.IntN(len(reqs))])
	}
	base := func(ctx context.Context, rnd *rand.Rand) error {
		return smsPost(ctx, client, baseURL, reqs[rnd.IntN(len(reqs))])
	}

	rounds := max(2, int(10*min(env.Scale, 1)))
	// Saturation: closed-loop clients, as many requests in flight as clients.
	stop := smsProfile(env, "sms-saturated")
	hookSat, baseSat, err := smsAlternating(ctx, rounds, hook, base)
	stop()
	if err != nil {
		return nil, err
	}
	// Latency under load: Poisson arrivals at a fixed rate, webhook and baseline mixed request by
	// request. smsRate is twice what a Twilio short code can deliver (100 messages/s).
	stop = smsProfile(env, "sms-fixed-rate")
	hookLat, baseLat, err := smsMixedOpen(ctx, time.Duration(rounds)*smsRound, hook, base)
	stop()
	if err != nil {
		return nil, err
	}
	env.Log.Info("sms: inbound at saturation", "clients", smsClients, "rounds", rounds,
		"webhook_rps", int(hookSat.rate), "webhook_p50", hookSat.p50, "webhook_p99", hookSat.p99,
		"bare_rps", int(baseSat.rate), "bare_p50", baseSat.p50, "bare_p99", baseSat.p99)
	env.Log.Info("sms: inbound at a fixed rate", "rate", smsRate, "baseline_rate", smsRate,
		"webhook_p50", hookLat.p50, "webhook_p99", hookLat.p99, "webhook_max", hookLat.max,
		"bare_p50", baseLat.p50, "bare_p99", baseLat.p99, "bare_max", baseLat.max)
	msOf := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	const bare = "bare net/http handler + the same balance read as one SQL statement through pgx"
	satBase := fmt.Sprintf("%s, %d closed-loop clients, alternating 1 s rounds", bare, smsClients)
	latBase := fmt.Sprintf("%s, %d req/s more, mixed with the webhook's request by request", bare, smsRate)
	return []Result{
		{Name: "sms inbound balance checks (saturated)", Value: hookSat.rate, Unit: "req/s", Baseline: satBase,
			BaselineValue: baseSat.rate, Ratio: hookSat.rate / baseSat.rate, Target: "none (reported)", Met: true},
		{Name: fmt.Sprintf("sms inbound p99 at %d req/s", smsRate), Value: msOf(hookLat.p99), Unit: "ms", Baseline: latBase,
			BaselineValue: msOf(baseLat.p99), Ratio: msOf(hookLat.p99) / msOf(baseLat.p99), Target: "< 20 ms",
			Met: hookLat.p99 < 20*time.Millisecond},
		{Name: fmt.Sprintf("sms inbound p50 at %d req/s", smsRate), Value: msOf(hookLat.p50), Unit: "ms", Baseline: latBase,
			BaselineValue: msOf(baseLat.p50), Ratio: msOf(hookLat.p50) / msOf(baseLat.p50), Target: "none", Met: true},
		{Name: fmt.Sprintf("sms inbound p99 saturated (%d clients)", smsClients), Value: msOf(hookSat.p99), Unit: "ms",
			Baseline: satBase, BaselineValue: msOf(baseSat.p99), Ratio: msOf(hookSat.p99) / msOf(baseSat.p99),
			Target: "none (queueing at saturation)", Met: true},
	}, nil
}

// smsRequest is a signed inbound message, prepared ahead so that the clients measure the
// server, not the signing.
type smsRequest struct{ body, sig string }

// smsPost posts r to url and checks that the answer holds a balance.
func smsPost(ctx context.Context, client *http.Client, url string, r smsRequest) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(r.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", r.sig)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("RHT")) {
		return fmt.Errorf("%s answered %d: %s", url, resp.StatusCode, body)
	}
	return nil
}

// smsBareSQL is the baseline's balance read: a number's registrations (by phone hash) and their
// addresses' current balances, summed per token, in one read-only statement.
const smsBareSQL = `
WITH addr AS (
    SELECT DISTINCT address FROM reg_beneficiaries WHERE phone_hash = $1 AND chain_id = $2
), alloc AS (
    SELECT token, sum(allocation) AS allocation, sum(claimed + offline_claimed) AS claimed, sum(disbursed) AS disbursed
    FROM ent_beneficiaries
    WHERE chain_id = $2 AND address IN (SELECT address FROM addr) AND upper_inf(block_range) AND token IS NOT NULL
    GROUP BY token
), wallet AS (
    SELECT token, sum(balance) AS balance, sum(received) AS received
    FROM ent_balances
    WHERE chain_id = $2 AND holder IN (SELECT address FROM addr) AND upper_inf(block_range)
    GROUP BY token
)
SELECT t.symbol, (coalesce(a.allocation, 0) + coalesce(w.balance, 0))::text,
       (coalesce(a.allocation, 0) + coalesce(a.claimed, 0) + coalesce(a.disbursed, 0))::text,
       coalesce(w.received, 0)::text, coalesce(a.claimed, 0)::text
FROM alloc a
FULL JOIN wallet w ON w.token = a.token
LEFT JOIN ent_tokens t ON t.chain_id = $2 AND t.address = coalesce(a.token, w.token) AND upper_inf(t.block_range)
ORDER BY 1`

// smsBareHandler is the baseline server: the form's From, its hash from hashes, the balance read,
// one plain-text line per token.
func smsBareHandler(pool *pgxpool.Pool, hashes map[string][]byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rows, err := pool.Query(r.Context(), smsBareSQL, hashes[r.PostForm.Get("From")], smsChain)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		var b bytes.Buffer
		var sym, avail, alloc, recv, claimed string
		_, err = pgx.ForEachRow(rows, []any{&sym, &avail, &alloc, &recv, &claimed}, func() error {
			fmt.Fprintf(&b, "%s %s/%s/%s/%s\n", sym, avail, alloc, recv, claimed)
			return nil
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write(b.Bytes())
	})
}

// smsStats summarises the rounds of one kind.
type smsStats struct {
	rate          float64
	p50, p99, max time.Duration
}

type smsOp func(context.Context, *rand.Rand) error

// smsAlternating runs closed-loop rounds of smsRound: one of a and one of b to warm up, then
// rounds of each in alternating order (ab ba ab ...), and summarises each kind over its rounds.
func smsAlternating(ctx context.Context, rounds int, a, b smsOp) (smsStats, smsStats, error) {
	var lat [2][]time.Duration
	var took [2]time.Duration
	ops := [2]smsOp{a, b}
	for i := -1; i < rounds; i++ {
		order := [2]int{0, 1}
		if i%2 != 0 && i >= 0 {
			order = [2]int{1, 0}
		}
		for _, k := range order {
			l, t, err := smsClosedRound(ctx, smsRound, uint64(i+1), ops[k]) // both kinds text from the same numbers
			if err != nil {
				return smsStats{}, smsStats{}, err
			}
			if i >= 0 { // round -1 warms up
				lat[k], took[k] = append(lat[k], l...), took[k]+t
			}
		}
	}
	a0, err := smsSummary(lat[0], took[0])
	if err != nil {
		return smsStats{}, smsStats{}, err
	}
	b0, err := smsSummary(lat[1], took[1])
	return a0, b0, err
}

// smsSummary is the rate and percentiles of latencies lat observed over took.
func smsSummary(lat []time.Duration, took time.Duration) (smsStats, error) {
	if len(lat) == 0 {
		return smsStats{}, errors.New("no operation completed")
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	return smsStats{rate: float64(len(lat)) / took.Seconds(), p50: pct(0.50), p99: pct(0.99), max: lat[len(lat)-1]}, nil
}

// smsClosedRound runs op from smsClients goroutines, each starting the next operation when the
// last one ends, until d has passed, and returns the latencies and how long the round took until
// the last operation ended.
func smsClosedRound(ctx context.Context, d time.Duration, seed uint64, op smsOp) ([]time.Duration, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	began := time.Now()
	end := began.Add(d)
	var (
		mu    sync.Mutex
		lat   []time.Duration
		first error
		wg    sync.WaitGroup
	)
	for c := range smsClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(seed, uint64(c)))
			var mine []time.Duration
			var err error
			for t0 := time.Now(); t0.Before(end) && err == nil; t0 = time.Now() {
				if err = op(ctx, rnd); err == nil {
					mine = append(mine, time.Since(t0))
				}
			}
			mu.Lock()
			defer mu.Unlock()
			lat, first = append(lat, mine...), firstErr(first, err)
		}()
	}
	wg.Wait()
	return lat, time.Since(began), first
}

// smsMixedOpen starts operations at Poisson-distributed times, 2*smsRate per second, for d after
// a one-second warm-up, each on its own goroutine and each a or b at random: two Poisson streams
// of smsRate each, interleaved request by request, so that whatever else runs on the machine
// delays both alike. Latencies are measured from the scheduled start (no coordinated omission).
func smsMixedOpen(ctx context.Context, d time.Duration, a, b smsOp) (smsStats, smsStats, error) {
	const warm = time.Second
	ctx, cancel := context.WithTimeout(ctx, warm+d+30*time.Second)
	defer cancel()
	rnd := rand.New(rand.NewPCG(7, 42))
	began := time.Now()
	measureFrom, end := began.Add(warm), began.Add(warm+d)
	var (
		mu    sync.Mutex
		lat   [2][]time.Duration
		first error
		wg    sync.WaitGroup
	)
	ops := [2]smsOp{a, b}
	at := began
	for i := uint64(0); ; i++ {
		at = at.Add(time.Duration(rnd.ExpFloat64() / (2 * smsRate) * float64(time.Second)))
		if at.After(end) {
			break
		}
		if wait := time.Until(at); wait > 0 {
			time.Sleep(wait) // pacing the arrivals; latency is measured from at, not from now
		}
		k := rnd.IntN(2)
		wg.Add(1)
		go func(at time.Time) {
			defer wg.Done()
			err := ops[k](ctx, rand.New(rand.NewPCG(i, 42)))
			took := time.Since(at)
			mu.Lock()
			defer mu.Unlock()
			if first = firstErr(first, err); err == nil && at.After(measureFrom) {
				lat[k] = append(lat[k], took)
			}
		}(at)
	}
	wg.Wait()
	if first != nil {
		return smsStats{}, smsStats{}, first
	}
	// The rates are fixed by the schedule: d, not when the last request ended.
	sa, err := smsSummary(lat[0], d)
	if err != nil {
		return smsStats{}, smsStats{}, err
	}
	sb, err := smsSummary(lat[1], d)
	return sa, sb, err
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// smsProfile starts a CPU profile named name in $RAHAT_BENCH_SMS_CPUPROFILE, if set, and returns
// the function that stops it.
func smsProfile(env *Env, name string) (stop func()) {
	dir := os.Getenv("RAHAT_BENCH_SMS_CPUPROFILE")
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, name+".pprof"))
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		env.Log.Warn("sms: no CPU profile", "name", name, "err", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// smsLoad registers n beneficiaries (one phone each, a tenth of them in a second project too)
// and gives them balances through the entity handler: an allocation of RHT each, a USD voucher
// allocation for every third, a wallet transfer for every fifth. It returns the phone numbers.
func smsLoad(ctx context.Context, pool *pgxpool.Pool, hasher *phone.Hasher, box *phone.Box, n int) ([]string, error) {
	h, err := entity.New(entity.Config{Chain: smsChainInfo{}, Registry: prometheus.NewRegistry()})
	if err != nil {
		return nil, err
	}
	block := uint64(0)
	mine := func(events []indexer.Event) error {
		block++
		for i := range events {
			events[i].ChainID, events[i].BlockNumber, events[i].LogIndex = smsChain, block, uint(i)
			events[i].BlockHash = common.BigToHash(new(big.Int).SetUint64(block))
			events[i].TxHash = common.BigToHash(big.NewInt(int64(block<<32) + int64(i)))
		}
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return h.HandleEvents(ctx, tx, events) })
	}
	ev := func(contract, name string, addr common.Address, args map[string]any) indexer.Event {
		return indexer.Event{Contract: contract, Name: name, Address: addr, Args: args}
	}
	factory := common.HexToAddress("0x2000000000000000000000000000000000000001")
	if err := mine([]indexer.Event{
		ev("RahatProjectFactory", "ProjectCreated", factory, map[string]any{"projectAddress": smsProj1, "tokenAddress": smsTokRHT, "name": "food"}),
		ev("RahatProjectFactory", "ProjectCreated", factory, map[string]any{"projectAddress": smsProj2, "tokenAddress": smsTokUSD, "name": "cash"}),
	}); err != nil {
		return nil, err
	}
	unit := new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)
	phones := make([]string, n)
	var events []indexer.Event
	rows := make([][]any, 0, n+n/10)
	for i := range n {
		a := common.BigToAddress(big.NewInt(int64(0x50000 + i)))
		phones[i] = fmt.Sprintf("+97798%08d", i)
		hash, err := hasher.Hash(phones[i])
		if err != nil {
			return nil, err
		}
		sealed, err := box.Seal(phones[i])
		if err != nil {
			return nil, err
		}
		lang := []string{"en", "ne"}[i%2]
		rows = append(rows, []any{int64(smsChain), smsProj1.Bytes(), a.Bytes(), hash, sealed, lang})
		if i%10 == 0 {
			rows = append(rows, []any{int64(smsChain), smsProj2.Bytes(), a.Bytes(), hash, sealed, lang})
		}
		amount := new(big.Int).Mul(big.NewInt(int64(100+i%900)), unit)
		events = append(events, ev("RahatProject", "TokensAllocated", smsProj1, map[string]any{"token": smsTokRHT, "beneficiary": a, "amount": amount}))
		if i%3 == 0 {
			events = append(events, ev("RahatProject", "TokensAllocated", smsProj2, map[string]any{"token": smsTokUSD, "beneficiary": a, "amount": big.NewInt(2550)}))
		}
		if i%5 == 0 {
			events = append(events, ev("RahatToken", "Transfer", smsTokRHT, map[string]any{"from": common.Address{}, "to": a, "value": new(big.Int).Mul(big.NewInt(7), unit)}))
		}
		if len(events) >= 5000 {
			if err := mine(events); err != nil {
				return nil, err
			}
			events = nil
		}
	}
	if len(events) > 0 {
		if err := mine(events); err != nil {
			return nil, err
		}
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"reg_beneficiaries"},
		[]string{"chain_id", "project", "address", "phone_hash", "phone_enc", "language"}, pgx.CopyFromRows(rows)); err != nil {
		return nil, err
	}
	_, err = pool.Exec(ctx, "ANALYZE")
	return phones, err
}

// smsChainInfo answers the entity handler's token metadata questions.
type smsChainInfo struct{}

func (smsChainInfo) TokenInfo(_ context.Context, t common.Address, _ common.Hash) (entity.TokenInfo, error) {
	sym, dec := "RHT", uint8(18)
	if t == smsTokUSD {
		sym, dec = "USDX", 2
	}
	return entity.TokenInfo{Symbol: &sym, Decimals: &dec}, nil
}
func (smsChainInfo) ProjectInfo(context.Context, common.Address, common.Hash) (entity.ProjectInfo, error) {
	return entity.ProjectInfo{}, nil
}
func (smsChainInfo) ClaimCalls(_ context.Context, refs []entity.TxRef) ([]entity.ClaimCall, error) {
	return make([]entity.ClaimCall, len(refs)), nil
}
func (smsChainInfo) Claim(context.Context, common.Address, *big.Int, common.Hash) (entity.OnchainClaim, bool, error) {
	return entity.OnchainClaim{}, false, nil
}
