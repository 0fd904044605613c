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

// The SMS suite (issue 8): inbound balance checks through the real webhook (signature check,
// per-number rate limit, registration lookup by phone hash, indexed balances, TwiML) under
// concurrent load, against the same lookups as bare SQL through pgx with the same pool and the
// same number of clients. Beneficiaries and balances are written by the real entity handler.
const (
	smsBeneficiaries = 20_000
	smsClients       = 16
	smsPoolConns     = 16
	smsChain         = 1337
	smsSample        = 4_000 // distinct phones the clients text from
	smsAuthToken     = "0123456789abcdef0123456789abcdef"
	smsRate          = 200 // req/s of the latency measurement
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

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	public := "http://" + ln.Addr().String()
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
	srv := &http.Server{Handler: svc.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	// Signed requests, prepared ahead so that the clients measure the server, not the signing.
	type signed struct{ body, sig string }
	reqs := make([]signed, min(smsSample, len(phones)))
	target := public + "/sms/inbound"
	for i := range reqs {
		p := sms.InboundSMS("AC00000000000000000000000000000000", phones[i*len(phones)/len(reqs)], "+15005550006", "BAL")
		reqs[i] = signed{p.Encode(), sms.Signature(smsAuthToken, target, p)}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}
	webhook := func(ctx context.Context, rnd *rand.Rand) error {
		r := reqs[rnd.IntN(len(reqs))]
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(r.body))
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
			return fmt.Errorf("webhook answered %d: %s", resp.StatusCode, body)
		}
		return nil
	}
	// The baseline: the same lookups (registrations by phone hash, then balances per address),
	// as bare SQL through pgx on the same pool.
	hashes := make([][]byte, len(reqs))
	for i := range hashes {
		if hashes[i], err = hasher.Hash(phones[i*len(phones)/len(reqs)]); err != nil {
			return nil, err
		}
	}
	bare := func(ctx context.Context, rnd *rand.Rand) error {
		return smsBareLookup(ctx, pool, hashes[rnd.IntN(len(hashes))])
	}

	d := time.Duration(float64(10*time.Second) * min(env.Scale, 1))
	// Saturation: closed-loop clients, as many requests in flight as clients.
	hookSat, err := smsClosedLoop(ctx, d, webhook)
	if err != nil {
		return nil, err
	}
	baseSat, err := smsClosedLoop(ctx, d, bare)
	if err != nil {
		return nil, err
	}
	// Latency under load: Poisson arrivals at a fixed rate, each request on its own goroutine
	// however many are in flight, latency counted from the scheduled arrival (no coordinated
	// omission). smsRate is twice what a Twilio short code can deliver (100 messages/s).
	hookLat, err := smsOpenLoop(ctx, smsRate, d, webhook)
	if err != nil {
		return nil, err
	}
	baseLat, err := smsOpenLoop(ctx, smsRate, d, bare)
	if err != nil {
		return nil, err
	}
	env.Log.Info("sms: inbound at saturation", "clients", smsClients, "webhook_rps", int(hookSat.rate), "webhook_p50", hookSat.p50,
		"webhook_p99", hookSat.p99, "sql_rps", int(baseSat.rate), "sql_p50", baseSat.p50, "sql_p99", baseSat.p99)
	env.Log.Info("sms: inbound at a fixed rate", "rate", smsRate, "webhook_p50", hookLat.p50, "webhook_p99", hookLat.p99,
		"webhook_max", hookLat.max, "sql_p50", baseLat.p50, "sql_p99", baseLat.p99)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	satBase := fmt.Sprintf("the same lookups as bare SQL through pgx (%d closed-loop clients, %d connections)", smsClients, smsPoolConns)
	latBase := fmt.Sprintf("the same lookups as bare SQL through pgx at %d req/s", smsRate)
	return []Result{
		{Name: "sms inbound balance checks (saturated)", Value: hookSat.rate, Unit: "req/s", Baseline: satBase,
			BaselineValue: baseSat.rate, Ratio: hookSat.rate / baseSat.rate, Target: "none", Met: true},
		{Name: fmt.Sprintf("sms inbound p99 at %d req/s", smsRate), Value: ms(hookLat.p99), Unit: "ms", Baseline: latBase,
			BaselineValue: ms(baseLat.p99), Ratio: ms(hookLat.p99) / ms(baseLat.p99), Target: "< 20 ms", Met: hookLat.p99 < 20*time.Millisecond},
		{Name: fmt.Sprintf("sms inbound p50 at %d req/s", smsRate), Value: ms(hookLat.p50), Unit: "ms", Baseline: latBase,
			BaselineValue: ms(baseLat.p50), Ratio: ms(hookLat.p50) / ms(baseLat.p50), Target: "none", Met: true},
		{Name: fmt.Sprintf("sms inbound p99 saturated (%d clients)", smsClients), Value: ms(hookSat.p99), Unit: "ms", Baseline: satBase,
			BaselineValue: ms(baseSat.p99), Ratio: ms(hookSat.p99) / ms(baseSat.p99), Target: "none (queueing at saturation)", Met: true},
	}, nil
}

// smsBareLookup is what a balance check costs the database: the phone's registrations, then the
// balances of each distinct address.
func smsBareLookup(ctx context.Context, pool *pgxpool.Pool, hash []byte) error {
	rows, err := pool.Query(ctx, `SELECT address FROM reg_beneficiaries WHERE phone_hash = $1 AND chain_id = $2
ORDER BY created_at DESC, id DESC`, hash, smsChain)
	if err != nil {
		return err
	}
	addrs, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return err
	}
	if len(addrs) == 0 {
		return errors.New("no registration")
	}
	for _, a := range slices.CompactFunc(addrs, bytes.Equal) {
		if _, err := entity.BeneficiaryBalances(ctx, pool, smsChain, common.BytesToAddress(a), nil); err != nil {
			return err
		}
	}
	return nil
}

// smsStats summarises a closed-loop run.
type smsStats struct {
	rate          float64
	p50, p99, max time.Duration
}

// smsClosedLoop runs op from smsClients goroutines for d after a one-second warm-up and reports
// its rate and latency percentiles.
func smsClosedLoop(ctx context.Context, d time.Duration, op func(context.Context, *rand.Rand) error) (smsStats, error) {
	warm := time.Second
	ctx, cancel := context.WithTimeout(ctx, warm+d+30*time.Second)
	defer cancel()
	began := time.Now()
	measureFrom, end := began.Add(warm), began.Add(warm+d)
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
			rnd := rand.New(rand.NewPCG(uint64(c), 42))
			var mine []time.Duration
			for {
				t0 := time.Now()
				if t0.After(end) {
					break
				}
				if err := op(ctx, rnd); err != nil {
					mu.Lock()
					first = cmpErr(first, err)
					mu.Unlock()
					return
				}
				if t0.After(measureFrom) {
					mine = append(mine, time.Since(t0))
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if first != nil {
		return smsStats{}, first
	}
	if len(lat) == 0 {
		return smsStats{}, errors.New("no operation completed")
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	return smsStats{rate: float64(len(lat)) / d.Seconds(), p50: pct(0.50), p99: pct(0.99), max: lat[len(lat)-1]}, nil
}

// smsOpenLoop starts op at Poisson-distributed times, rate per second, for d after a one-second
// warm-up, each on its own goroutine, and reports latencies measured from the scheduled start.
func smsOpenLoop(ctx context.Context, rate int, d time.Duration, op func(context.Context, *rand.Rand) error) (smsStats, error) {
	warm := time.Second
	ctx, cancel := context.WithTimeout(ctx, warm+d+30*time.Second)
	defer cancel()
	rnd := rand.New(rand.NewPCG(7, 42))
	began := time.Now()
	measureFrom, end := began.Add(warm), began.Add(warm+d)
	var (
		mu    sync.Mutex
		lat   []time.Duration
		first error
		wg    sync.WaitGroup
	)
	at := began
	for i := 0; ; i++ {
		at = at.Add(time.Duration(rnd.ExpFloat64() / float64(rate) * float64(time.Second)))
		if at.After(end) {
			break
		}
		if wait := time.Until(at); wait > 0 {
			time.Sleep(wait) // pacing the arrivals; latency is measured from at, not from now
		}
		wg.Add(1)
		go func(at time.Time, seed uint64) {
			defer wg.Done()
			err := op(ctx, rand.New(rand.NewPCG(seed, 42)))
			took := time.Since(at)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				first = cmpErr(first, err)
			} else if at.After(measureFrom) {
				lat = append(lat, took)
			}
		}(at, uint64(i))
	}
	wg.Wait()
	if first != nil {
		return smsStats{}, first
	}
	if len(lat) == 0 {
		return smsStats{}, errors.New("no operation completed")
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	return smsStats{rate: float64(len(lat)) / d.Seconds(), p50: pct(0.50), p99: pct(0.99), max: lat[len(lat)-1]}, nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
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
