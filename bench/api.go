package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/jackc/pgx/v5"
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
	"github.com/rahataid/rahat/phone"
	"github.com/rahataid/rahat/txmgr"
	"github.com/rahataid/rahat/workload"
)

// The API suite (issue 7), on the dev chain as `rahat dev` runs it (a block a second, and a block
// as soon as transactions arrive), with the transaction manager's finality at 2 confirmations:
//   - a 1,000-beneficiary distribution from the request to final (all its transactions 2 blocks
//     deep), new beneficiaries (addBeneficiaries first) and then re-allocated; baseline: the same
//     transactions sent straight with a key and go-ethereum, to the same depth;
//   - sustained vendor redemptions (claim, code by SMS, code submitted, settled on chain, final),
//     many at once; baseline: the same three transactions per redemption sent straight, pipelined.
const (
	apiBeneficiaries = 1000
	apiConfirmations = 2
	apiVendors       = 5
	apiRedemptions   = 50 // per run, spread over the vendors
	apiBlockInterval = time.Second
	apiRuns          = 3
)

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func apiSuite() Suite { return Suite{Name: "api", Run: runAPISuite} }

// apiRig is the chain, indexer, transaction manager and API of the suite.
type apiRig struct {
	env      *Env
	chain    *devchain.Chain
	client   *ethclient.Client
	keys     []*ecdsa.PrivateKey
	dep      *workload.Deployment
	proj     workload.Project
	pool     *pgxpool.Pool
	vendors  *apitest.KeyPool
	srv      *httptest.Server
	hasher   *phone.Hasher
	box      *phone.Box
	project  abi.ABI
	ops      string // operator token
	stop     []func()
	phoneSeq int
	// vendorToken issues a vendor's token.
	vendorToken func(common.Address) (string, error)
	// base is the baseline's own project, whose admin (keys[4]) and OTP server (keys[5]) the
	// transaction manager does not use, so direct sends never race it for nonces.
	base     workload.Project
	baseBens []common.Address
}

func runAPISuite(ctx context.Context, env *Env) ([]Result, error) {
	r, err := newAPIRig(ctx, env)
	if err != nil {
		return nil, err
	}
	defer r.close()
	var out []Result

	// Each figure is the median of apiRuns runs: with a block a second, when the last
	// transaction lands relative to the block timer moves a single run by up to a second.
	n := env.N(apiBeneficiaries)
	var took, base, took2, base2 []time.Duration
	var txs, baseTxs, txs2, baseTxs2 int
	var bens []common.Address
	for run := range apiRuns {
		b, err := r.seed(ctx, n)
		if err != nil {
			return nil, err
		}
		if run == 0 {
			bens = b
		}
		d, k, err := r.distribution(ctx, b, 1000)
		if err != nil {
			return nil, err
		}
		bd, bk, err := r.rawDistribution(ctx, n, true)
		if err != nil {
			return nil, fmt.Errorf("baseline: %w", err)
		}
		took, base, txs, baseTxs = append(took, d), append(base, bd), k, bk
		env.Log.Info("api: distribution final", "beneficiaries", n, "took", d, "transactions", k, "direct", bd)
	}
	for run := range apiRuns {
		d, k, err := r.distribution(ctx, bens, int64(2000+1000*run))
		if err != nil {
			return nil, err
		}
		bd, bk, err := r.rawDistribution(ctx, n, false)
		if err != nil {
			return nil, fmt.Errorf("baseline: %w", err)
		}
		took2, base2, txs2, baseTxs2 = append(took2, d), append(base2, bd), k, bk
	}
	m, mb, m2, mb2 := median(took), median(base), median(took2), median(base2)
	out = append(out,
		Result{Name: fmt.Sprintf("api: %d-beneficiary distribution, request to final (new beneficiaries)", n), Value: m.Seconds(),
			Unit: "s", Baseline: fmt.Sprintf("same %d txs sent directly, to final", baseTxs), BaselineValue: mb.Seconds(),
			Ratio: m.Seconds() / mb.Seconds(), Target: "< 10 s", Met: m < 10*time.Second},
		Result{Name: fmt.Sprintf("api: %d-beneficiary distribution, transactions (new beneficiaries)", n), Value: float64(txs),
			Unit: "txs", Baseline: "direct sends, same chunking", BaselineValue: float64(baseTxs), Ratio: float64(txs) / float64(baseTxs),
			Target: "< 10 txs", Met: txs < 10},
		Result{Name: fmt.Sprintf("api: %d-beneficiary re-allocation (already on chain), request to final", n),
			Value: m2.Seconds(), Unit: "s", Baseline: fmt.Sprintf("same %d txs sent directly, to final", baseTxs2),
			BaselineValue: mb2.Seconds(), Ratio: m2.Seconds() / mb2.Seconds(),
			Target: fmt.Sprintf("< 10 s, < 10 txs (%d txs)", txs2), Met: m2 < 10*time.Second && txs2 < 10})

	rate, err := r.redemptions(ctx, bens)
	if err != nil {
		return nil, err
	}
	baseRate, err := r.rawRedemptions(ctx)
	if err != nil {
		return nil, fmt.Errorf("redemption baseline: %w", err)
	}
	out = append(out, Result{Name: fmt.Sprintf("api: vendor redemptions, %d at once by %d vendors, claim to final", apiRedemptions, apiVendors),
		Value: rate, Unit: "redemptions/s", Baseline: "same 3 txs per redemption sent directly, pipelined",
		BaselineValue: baseRate, Ratio: rate / baseRate, Target: ">= 1/s (own target; the issue sets none)", Met: rate >= 1})
	return out, nil
}

func newAPIRig(ctx context.Context, env *Env) (*apiRig, error) {
	quiet := slog.New(slog.DiscardHandler)
	r := &apiRig{env: env}
	var err error
	if r.chain, err = devchain.Start(ctx, devchain.Config{BlockInterval: apiBlockInterval, AutoMine: true, Logger: quiet}); err != nil {
		return nil, err
	}
	r.stop = append(r.stop, func() { _ = r.chain.Close() })
	r.client, r.keys = r.chain.Client(), r.chain.Keys()
	if r.project, err = contracts.ABI(contracts.RahatProject); err != nil {
		return nil, err
	}
	if r.dep, err = workload.Deploy(ctx, r.client, r.keys[0], workload.Options{Logger: quiet}); err != nil {
		return nil, err
	}
	operator, otp, funder := addr(r.keys[1]), addr(r.keys[2]), addr(r.keys[3])
	if r.proj, err = workload.DeployProject(ctx, r.client, r.chain.ChainID(), r.keys[0], r.dep.Treasury, r.dep.ProjectFactory,
		operator, otp, "Bench", "AID", big.NewInt(1e15)); err != nil {
		return nil, err
	}
	var url string
	if r.pool, url, err = env.NewDatabase(ctx, 60); err != nil {
		return nil, err
	}
	r.stop = append(r.stop, r.pool.Close)
	if err := apitest.CreateCodesTable(ctx, r.pool); err != nil {
		return nil, err
	}
	if err := r.startIndexer(ctx, url); err != nil {
		return nil, err
	}
	if r.vendors, err = apitest.NewKeyPool(apiVendors); err != nil {
		return nil, err
	}
	txPool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, err
	}
	r.stop = append(r.stop, txPool.Close)
	tm, err := txmgr.New(txmgr.Config{DB: txPool, Client: r.client, ChainID: devchain.ChainID,
		Keys:          txmgr.NewStaticKeys(append([]*ecdsa.PrivateKey{r.keys[1], r.keys[2], r.keys[3]}, r.vendors.Keys()...)...),
		Confirmations: apiConfirmations, PollInterval: 100 * time.Millisecond, Logger: quiet})
	if err != nil {
		return nil, err
	}
	r.run(ctx, tm.Run)
	if r.hasher, err = phone.NewHasher(bytes.Repeat([]byte{3}, 32), "NP"); err != nil {
		return nil, err
	}
	if r.box, err = phone.NewBox(bytes.Repeat([]byte{4}, 32)); err != nil {
		return nil, err
	}
	secret := bytes.Repeat([]byte("s"), 32)
	s, err := api.New(api.Config{DB: r.pool, Tx: tm, Client: r.client, ChainID: devchain.ChainID,
		Auth: auth.Config{HS256Secret: secret}, Phones: r.hasher, Box: r.box, Codes: apitest.Codes{}, Keys: r.vendors,
		Operator: operator, OTPServer: otp, Funder: funder, VendorFunding: big.NewInt(1e18),
		RatePerSecond: 10_000, RateBurst: 10_000, PollInterval: 100 * time.Millisecond, Logger: quiet, Registry: prometheus.NewRegistry()})
	if err != nil {
		return nil, err
	}
	r.run(ctx, s.Run)
	r.srv = httptest.NewServer(s)
	r.stop = append(r.stop, r.srv.Close)
	if r.ops, err = auth.IssueHS256(secret, auth.TokenSpec{Roles: []auth.Role{auth.RoleOperator}, TTL: 6 * time.Hour}); err != nil {
		return nil, err
	}
	// Mint the vendors' tokens the same way, now that the secret is known.
	r.vendorToken = func(a common.Address) (string, error) {
		return auth.IssueHS256(secret, auth.TokenSpec{Roles: []auth.Role{auth.RoleVendor}, Vendor: &a, TTL: 6 * time.Hour})
	}
	return r, nil
}

func addr(k *ecdsa.PrivateKey) common.Address { return crypto.PubkeyToAddress(k.PublicKey) }

// run starts a component until the rig closes.
func (r *apiRig) run(ctx context.Context, f func(context.Context) error) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := f(ctx); err != nil {
			r.env.Log.Warn("api bench component stopped", "err", err)
		}
	}()
	r.stop = append(r.stop, func() { cancel(); <-done })
}

func (r *apiRig) close() {
	for i := len(r.stop) - 1; i >= 0; i-- {
		r.stop[i]()
	}
}

func (r *apiRig) startIndexer(ctx context.Context, url string) error {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	r.stop = append(r.stop, pool.Close)
	rpcChain, err := entity.NewRPC(r.client)
	if err != nil {
		return err
	}
	h, err := entity.New(entity.Config{Chain: rpcChain})
	if err != nil {
		return err
	}
	ix, err := indexer.New(indexer.Config{
		Network: config.Network{Name: "dev", ChainID: devchain.ChainID, RPCURL: r.chain.HTTPURL(),
			PollInterval: config.Duration(50 * time.Millisecond)},
		Sources: r.dep.Sources("dev"), DB: pool, ABI: contracts.ABI, Handlers: []indexer.Handler{h},
		Logger: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry()})
	if err != nil {
		return err
	}
	r.run(ctx, ix.Run)
	head, err := r.client.BlockNumber(ctx)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	return ix.WaitIndexed(wctx, head)
}

// seed registers n beneficiaries of the project in the registry (as the API would).
func (r *apiRig) seed(ctx context.Context, n int) ([]common.Address, error) {
	rows := make([][]any, n)
	out := make([]common.Address, n)
	for i := range rows {
		k, err := crypto.GenerateKey()
		if err != nil {
			return nil, err
		}
		r.phoneSeq++
		tel := fmt.Sprintf("+97798%08d", r.phoneSeq)
		hash, err := r.hasher.Hash(tel)
		if err != nil {
			return nil, err
		}
		sealed, err := r.box.Seal(tel)
		if err != nil {
			return nil, err
		}
		out[i] = addr(k)
		rows[i] = []any{int64(devchain.ChainID), r.proj.Project.Bytes(), out[i].Bytes(), hash, sealed, "en"}
	}
	_, err := r.pool.CopyFrom(ctx, pgx.Identifier{"reg_beneficiaries"},
		[]string{"chain_id", "project", "address", "phone_hash", "phone_enc", "language"}, pgx.CopyFromRows(rows))
	return out, err
}

// call sends a JSON request to the API and decodes a 2xx answer into out.
func (r *apiRig) call(ctx context.Context, method, path, tok string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.srv.URL+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		r.phoneSeq++
		req.Header.Set("Idempotency-Key", "bench-"+strconv.Itoa(r.phoneSeq)+"-"+strconv.FormatInt(time.Now().UnixNano(), 10))
	}
	res, err := r.srv.Client().Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// poll calls f every 25 ms until it reports done or ctx ends.
func poll(ctx context.Context, f func() (bool, error)) error {
	t := time.NewTicker(25 * time.Millisecond)
	defer t.Stop()
	for {
		done, err := f()
		if err != nil || done {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// distribution allocates base+i to every beneficiary through the API and waits for final.
func (r *apiRig) distribution(ctx context.Context, bens []common.Address, base int64) (time.Duration, int, error) {
	type alloc struct {
		Beneficiary string `json:"beneficiary"`
		Amount      string `json:"amount"`
	}
	as := make([]alloc, len(bens))
	for i, b := range bens {
		as[i] = alloc{b.Hex(), strconv.FormatInt(base+int64(i), 10)}
	}
	var d struct {
		ID           int64
		State, Error string
		Transactions []struct{ ID int64 }
	}
	start := time.Now()
	if err := r.call(ctx, http.MethodPost, "/v1/distributions", r.ops, map[string]any{"project": r.proj.Project.Hex(), "allocations": as}, &d); err != nil {
		return 0, 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	err := poll(ctx, func() (bool, error) {
		if err := r.call(ctx, http.MethodGet, fmt.Sprintf("/v1/distributions/%d", d.ID), r.ops, nil, &d); err != nil {
			return false, err
		}
		if d.State == "failed" {
			return false, errors.New("distribution failed: " + d.Error)
		}
		return d.State == "final", nil
	})
	return time.Since(start), len(d.Transactions), err
}

// rawKey sends transactions directly with locally counted nonces.
type rawKey struct {
	key   *ecdsa.PrivateKey
	nonce uint64
}

func (r *apiRig) rawKey(ctx context.Context, k *ecdsa.PrivateKey) (*rawKey, error) {
	n, err := r.client.PendingNonceAt(ctx, addr(k))
	return &rawKey{key: k, nonce: n}, err
}

// send signs and sends one call with a fixed gas limit and generous fees.
func (r *apiRig) send(ctx context.Context, k *rawKey, to common.Address, value *big.Int, data []byte, gas uint64) (*types.Transaction, error) {
	tx, err := types.SignNewTx(k.key, types.LatestSignerForChainID(r.chain.ChainID()), &types.DynamicFeeTx{
		ChainID: r.chain.ChainID(), Nonce: k.nonce, GasTipCap: big.NewInt(2e9), GasFeeCap: big.NewInt(200e9),
		Gas: gas, To: &to, Value: value, Data: data})
	if err != nil {
		return nil, err
	}
	k.nonce++
	return tx, r.client.SendTransaction(ctx, tx)
}

// final waits for every transaction's successful receipt and for apiConfirmations blocks on top.
func (r *apiRig) final(ctx context.Context, txs []*types.Transaction) ([]*types.Receipt, error) {
	return r.mined(ctx, txs, apiConfirmations)
}

// mined waits for every transaction's successful receipt and for depth blocks on top.
func (r *apiRig) mined(ctx context.Context, txs []*types.Transaction, depth uint64) ([]*types.Receipt, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	out := make([]*types.Receipt, len(txs))
	var top uint64
	for i, tx := range txs {
		err := poll(ctx, func() (bool, error) {
			rc, err := r.client.TransactionReceipt(ctx, tx.Hash())
			if err != nil {
				return false, nil
			}
			if rc.Status != types.ReceiptStatusSuccessful {
				return false, fmt.Errorf("direct transaction %d reverted", i)
			}
			out[i], top = rc, max(top, rc.BlockNumber.Uint64())
			return true, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, poll(ctx, func() (bool, error) {
		head, err := r.client.BlockNumber(ctx)
		return head >= top+depth, err
	})
}

func (r *apiRig) pack(method string, args ...any) []byte {
	b, err := r.project.Pack(method, args...)
	if err != nil {
		panic(err) // constant methods and typed arguments: a programming error
	}
	return b
}

// rawDistribution sends what the API sent for n beneficiaries (fresh: addBeneficiaries in chunks
// of 143, then allocateTokensBatch in chunks of 500, with the API's gas limits) straight from the
// baseline project's admin, and times it to final.
func (r *apiRig) rawDistribution(ctx context.Context, n int, fresh bool) (time.Duration, int, error) {
	if r.base.Project == (common.Address{}) {
		var err error
		if r.base, err = workload.DeployProject(ctx, r.client, r.chain.ChainID(), r.keys[0], r.dep.Treasury, r.dep.ProjectFactory,
			addr(r.keys[4]), addr(r.keys[5]), "Baseline", "BAS", big.NewInt(1e15)); err != nil {
			return 0, 0, err
		}
	}
	k, err := r.rawKey(ctx, r.keys[4])
	if err != nil {
		return 0, 0, err
	}
	amount := int64(3000)
	if fresh {
		r.baseBens, amount = make([]common.Address, n), 1000
		for i := range r.baseBens {
			key, err := crypto.GenerateKey()
			if err != nil {
				return 0, 0, err
			}
			r.baseBens[i] = addr(key)
		}
	}
	const addChunk, addGas, allocGas, baseGas = 143, api.DefaultAddGas, api.DefaultAllocateGas, api.DefaultBaseGas
	var txs []*types.Transaction
	start := time.Now()
	for lo := 0; fresh && lo < n; lo += addChunk {
		part := r.baseBens[lo:min(lo+addChunk, n)]
		tx, err := r.send(ctx, k, r.base.Project, nil, r.pack("addBeneficiaries", part), baseGas+uint64(len(part))*addGas)
		if err != nil {
			return 0, 0, err
		}
		txs = append(txs, tx)
	}
	for lo := 0; lo < n; lo += 500 {
		part := r.baseBens[lo:min(lo+500, n)]
		amounts := make([]*big.Int, len(part))
		for i := range amounts {
			amounts[i] = big.NewInt(amount + int64(lo+i))
		}
		tx, err := r.send(ctx, k, r.base.Project, nil, r.pack("allocateTokensBatch", part, amounts), baseGas+uint64(len(part))*allocGas)
		if err != nil {
			return 0, 0, err
		}
		txs = append(txs, tx)
	}
	_, err = r.final(ctx, txs)
	return time.Since(start), len(txs), err
}

// redemptions runs apiRedemptions claims through the API at once, each from request to a final
// processClaim, and returns redemptions per second.
func (r *apiRig) redemptions(ctx context.Context, bens []common.Address) (float64, error) {
	if len(bens) < apiRedemptions {
		return 0, fmt.Errorf("need %d beneficiaries", apiRedemptions)
	}
	toks := make([]string, apiVendors)
	for i := range toks {
		var v struct {
			ID      int64
			Address string
		}
		if err := r.call(ctx, http.MethodPost, "/v1/vendors", r.ops, map[string]any{"project": r.proj.Project.Hex(), "name": "v" + strconv.Itoa(i)}, &v); err != nil {
			return 0, err
		}
		err := poll(ctx, func() (bool, error) {
			var got struct{ Transactions []struct{ State string } }
			if err := r.call(ctx, http.MethodGet, fmt.Sprintf("/v1/vendors/%d", v.ID), r.ops, nil, &got); err != nil {
				return false, err
			}
			done := len(got.Transactions) == 2
			for _, t := range got.Transactions {
				done = done && t.State == "final"
			}
			return done, nil
		})
		if err != nil {
			return 0, err
		}
		if toks[i], err = r.vendorToken(common.HexToAddress(v.Address)); err != nil {
			return 0, err
		}
	}
	type claim struct {
		ID           int64
		State, Error string
		Transactions []struct{ Kind, State string }
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, apiRedemptions)
	start := time.Now()
	for i := range apiRedemptions {
		tok := toks[i%apiVendors]
		wg.Go(func() {
			var c claim
			wait := func(state string) error {
				return poll(ctx, func() (bool, error) {
					if err := r.call(ctx, http.MethodGet, fmt.Sprintf("/v1/vendor/claims/%d", c.ID), tok, nil, &c); err != nil {
						return false, err
					}
					if c.State == "failed" {
						return false, errors.New("claim failed: " + c.Error)
					}
					// The code is submitted as soon as it is sent, as a vendor would: the API
					// holds processClaim until the code's transaction is mined.
					return c.State == state, nil
				})
			}
			body := map[string]any{"project": r.proj.Project.Hex(), "beneficiary": bens[i].Hex(), "amount": "10"}
			if errs[i] = r.call(ctx, http.MethodPost, "/v1/vendor/claims", tok, body, &c); errs[i] != nil {
				return
			}
			if errs[i] = wait("code_sent"); errs[i] != nil {
				return
			}
			code, err := apitest.Code(ctx, r.pool, strconv.FormatInt(c.ID, 10), 1)
			if err != nil {
				errs[i] = err
				return
			}
			if errs[i] = r.call(ctx, http.MethodPost, fmt.Sprintf("/v1/vendor/claims/%d/code", c.ID), tok, map[string]string{"code": code}, &c); errs[i] != nil {
				return
			}
			errs[i] = wait("processed")
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	return apiRedemptions / time.Since(start).Seconds(), nil
}

// rawRedemptions plays the same redemptions straight on the baseline project, each stage
// pipelined: every createClaim at once, then (once mined) every addOtpToClaim, then every
// processClaim, to final.
func (r *apiRig) rawRedemptions(ctx context.Context) (float64, error) {
	admin, err := r.rawKey(ctx, r.keys[4])
	if err != nil {
		return 0, err
	}
	funder, err := r.rawKey(ctx, r.keys[6])
	if err != nil {
		return 0, err
	}
	vendors := make([]*rawKey, apiVendors)
	var setup []*types.Transaction
	for i := range vendors {
		k, err := crypto.GenerateKey()
		if err != nil {
			return 0, err
		}
		vendors[i] = &rawKey{key: k}
		tx, err := r.send(ctx, admin, r.base.Project, nil, r.pack("updateVendor", addr(k), true), 1_000_000)
		if err != nil {
			return 0, err
		}
		fund, err := r.send(ctx, funder, addr(k), new(big.Int).Mul(big.NewInt(100), big.NewInt(1e18)), nil, 21_000)
		if err != nil {
			return 0, err
		}
		setup = append(setup, tx, fund)
	}
	if _, err := r.final(ctx, setup); err != nil {
		return 0, err
	}
	otp, err := r.rawKey(ctx, r.keys[5])
	if err != nil {
		return 0, err
	}
	claimCreated := r.project.Events["ClaimCreated"].ID
	start := time.Now()
	var creates []*types.Transaction
	for i := range apiRedemptions {
		tx, err := r.send(ctx, vendors[i%apiVendors], r.base.Project, nil, r.pack("createClaim", r.baseBens[i], big.NewInt(10)), 1_000_000)
		if err != nil {
			return 0, err
		}
		creates = append(creates, tx)
	}
	// Like the API, the next stage needs the previous one mined, not final.
	rcpts, err := r.mined(ctx, creates, 0)
	if err != nil {
		return 0, err
	}
	ids := make([]*big.Int, apiRedemptions)
	head, err := r.client.HeaderByNumber(ctx, nil)
	if err != nil {
		return 0, err
	}
	var otps []*types.Transaction
	for i, rc := range rcpts {
		for _, l := range rc.Logs {
			if len(l.Topics) == 4 && l.Topics[0] == claimCreated {
				ids[i] = new(big.Int).SetBytes(l.Topics[1].Bytes())
			}
		}
		if ids[i] == nil {
			return 0, errors.New("no ClaimCreated in a direct createClaim")
		}
		tx, err := r.send(ctx, otp, r.base.Project, nil, r.pack("addOtpToClaim", ids[i], crypto.Keccak256Hash([]byte("123456")), head.Time+600), 1_000_000)
		if err != nil {
			return 0, err
		}
		otps = append(otps, tx)
	}
	if _, err := r.mined(ctx, otps, 0); err != nil {
		return 0, err
	}
	var procs []*types.Transaction
	for i := range apiRedemptions {
		tx, err := r.send(ctx, vendors[i%apiVendors], r.base.Project, nil, r.pack("processClaim", ids[i], "123456"), 1_000_000)
		if err != nil {
			return 0, err
		}
		procs = append(procs, tx)
	}
	if _, err := r.final(ctx, procs); err != nil {
		return 0, err
	}
	return apiRedemptions / time.Since(start).Seconds(), nil
}
