package api_test

import (
	"fmt"
	"math/big"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/params"
	dto "github.com/prometheus/client_model/go"

	"github.com/rahataid/rahat/api"
	"github.com/rahataid/rahat/api/auth"
)

// TestVendorRedemption plays a vendor's day: claims with right, wrong, expired, resent and
// reused codes, attempts running out, settlement, totals; and checks that no code ever reaches a
// response or a log.
func TestVendorRedemption(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	bens := w.registerBens(w.proj.Project, 3)
	if d := w.waitDistribution(w.distribute([]allocation{{bens[0].addr.Hex(), "1000"}, {bens[1].addr.Hex(), "1000"},
		{bens[2].addr.Hex(), "1000"}}).ID, time.Minute); d.State != "final" {
		t.Fatalf("distribution: %+v", d)
	}
	v := w.registerVendor()
	var codes []string
	var bodies []string
	post := func(path string, body any, hdr ...string) resp {
		if hdr == nil {
			hdr = idem()
		}
		r := w.call(http.MethodPost, path, v.tok, body, hdr...)
		bodies = append(bodies, string(r.body))
		return r
	}
	codePath := func(c claim) string { return fmt.Sprintf("/v1/vendor/claims/%d/code", c.ID) }

	// 1. A claim settled with the right code after a wrong one.
	c1 := w.createClaim(v, bens[0], "300")
	if c1.AttemptsLeft != api.DefaultMaxAttempts || c1.ClaimID == nil {
		t.Fatalf("claim: %+v", c1)
	}
	code1 := w.code(c1, 1)
	codes = append(codes, code1)
	if len(code1) != api.DefaultCodeDigits {
		t.Fatalf("code of %d digits", len(code1))
	}
	wrongKey := idem()
	wrong := post(codePath(c1), map[string]string{"code": flip(code1)}, wrongKey...)
	if wrong.status != 422 || wrong.err(t).Code != "invalid_code" {
		t.Fatalf("wrong code: %d %s", wrong.status, wrong.body)
	}
	// The wrong attempt was counted and its answer is replayed for the same key.
	again := post(codePath(c1), map[string]string{"code": flip(code1)}, wrongKey...)
	if again.status != 422 || string(again.body) != string(wrong.body) || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %s (first %s)", again.status, again.body, wrong.body)
	}
	if got := w.waitClaim(v, c1.ID, "code_sent"); got.AttemptsLeft != api.DefaultMaxAttempts-1 {
		t.Fatalf("attempts left %d", got.AttemptsLeft)
	}
	if r := post(codePath(c1), map[string]string{"code": code1}); r.status != http.StatusAccepted {
		t.Fatalf("right code: %d %s", r.status, r.body)
	}
	w.waitClaim(v, c1.ID, "processed")
	if r := post(codePath(c1), map[string]string{"code": code1}); r.status != 409 || r.err(t).Code != "code_used" {
		t.Fatalf("reused code: %d %s", r.status, r.body)
	}
	if a := w.allocation(w.proj.Project, bens[0].addr); a.Cmp(big.NewInt(700)) != 0 {
		t.Fatalf("allocation after the claim: %s", a)
	}

	// 2. An expired code, a resend, the old code refused, the new one accepted.
	c2 := w.createClaim(v, bens[1], "200")
	old := w.code(c2, 1)
	codes = append(codes, old)
	w.clk.advance(api.DefaultCodeTTL + time.Minute)
	if r := post(codePath(c2), map[string]string{"code": old}); r.status != 422 || r.err(t).Code != "code_expired" {
		t.Fatalf("expired code: %d %s", r.status, r.body)
	}
	if got := w.waitClaim(v, c2.ID, "expired"); got.CodesLeft != api.DefaultMaxCodes-1 {
		t.Fatalf("expired claim: %+v", got)
	}
	if r := post(fmt.Sprintf("/v1/vendor/claims/%d/resend", c2.ID), nil); r.status != http.StatusAccepted {
		t.Fatalf("resend: %d %s", r.status, r.body)
	}
	c2 = w.waitClaim(v, c2.ID, "code_sent")
	fresh := w.code(c2, 2)
	codes = append(codes, fresh)
	if fresh != old {
		if r := post(codePath(c2), map[string]string{"code": old}); r.status != 422 || r.err(t).Code != "invalid_code" {
			t.Fatalf("superseded code: %d %s", r.status, r.body)
		}
	}
	if r := post(codePath(c2), map[string]string{"code": fresh}); r.status != http.StatusAccepted {
		t.Fatalf("fresh code: %d %s", r.status, r.body)
	}
	w.waitClaim(v, c2.ID, "processed")

	// 3. Attempts run out: the right code is refused afterwards.
	c3 := w.createClaim(v, bens[2], "100")
	code3 := w.code(c3, 1)
	codes = append(codes, code3)
	for i := range api.DefaultMaxAttempts {
		if r := post(codePath(c3), map[string]string{"code": flip(code3)}); r.status != 422 {
			t.Fatalf("wrong attempt %d: %d %s", i, r.status, r.body)
		}
	}
	if r := post(codePath(c3), map[string]string{"code": code3}); r.status != 423 || r.err(t).Code != "attempts_exhausted" {
		t.Fatalf("after the last attempt: %d %s", r.status, r.body)
	}

	// 4. Settle what was collected: 500 tokens back to the project.
	r := post("/v1/vendor/settlements", map[string]string{"project": w.proj.Project.Hex(), "amount": "500"})
	if r.status != http.StatusAccepted {
		t.Fatalf("settlement: %d %s", r.status, r.body)
	}
	var st struct{ ID int64 }
	r.json(t, &st)
	eventually(t, time.Minute, "settlement final", func() bool {
		var got struct{ State, Error string }
		w.call(http.MethodGet, fmt.Sprintf("/v1/vendor/settlements/%d", st.ID), v.tok, nil).json(t, &got)
		if got.State == "failed" {
			t.Fatalf("settlement failed: %s", got.Error)
		}
		return got.State == "final"
	})
	w.waitIndexed()
	var totals struct {
		Projects []struct {
			Processed    int64
			Claimed      string
			Redeemed     string
			TokenBalance string `json:"token_balance"`
		}
		OpenClaims int64 `json:"open_claims"`
	}
	w.call(http.MethodGet, "/v1/vendor/totals", v.tok, nil).json(t, &totals)
	if len(totals.Projects) != 1 || totals.Projects[0].Processed != 2 || totals.Projects[0].Claimed != "500" ||
		totals.Projects[0].Redeemed != "500" || totals.Projects[0].TokenBalance != "0" || totals.OpenClaims != 1 {
		t.Fatalf("totals: %+v", totals)
	}
	var list struct{ Items []claim }
	w.call(http.MethodGet, "/v1/vendor/claims", v.tok, nil).json(t, &list)
	if len(list.Items) != 3 {
		t.Fatalf("claims: %+v", list)
	}

	// No code in any response or log line.
	logs := w.logs.String()
	for _, c := range codes {
		re := regexp.MustCompile(`(^|[^0-9a-fA-F])` + c + `([^0-9a-fA-F]|$)`)
		if re.MatchString(logs) {
			t.Errorf("a code is in the logs")
		}
		for _, b := range bodies {
			if strings.Contains(b, c) {
				t.Errorf("a code is in a response: %s", b)
			}
		}
	}
	if n := counter(t, w, "rahat_api_claim_codes_total", "outcome", "wrong"); n != float64(1+1+api.DefaultMaxAttempts) {
		t.Errorf("wrong codes counted %v", n)
	}
	if n := counter(t, w, "rahat_api_objects", "state", "processed"); n != 2 {
		t.Errorf("processed claims gauge %v", n)
	}
	w.checkReads(t, v, bens)
}

// checkReads reads what the redemption test left behind through every list and get endpoint.
func (w *world) checkReads(t *testing.T, v vendor, bens []ben) {
	t.Helper()
	staff := w.token(auth.RoleOperator, nil)
	var page struct {
		Items []struct {
			ID       int64
			Address  string
			OnChain  bool `json:"on_chain"`
			Balances []struct{ Allocation, Claimed, Symbol string }
		}
		Next *int64 `json:"next_after"`
	}
	w.call(http.MethodGet, "/v1/beneficiaries?limit=2&project="+w.proj.Project.Hex(), staff, nil).json(t, &page)
	if len(page.Items) != 2 || page.Next == nil || !page.Items[0].OnChain || page.Items[0].Balances[0].Symbol != "AID" ||
		page.Items[0].Balances[0].Allocation != "700" || page.Items[0].Balances[0].Claimed != "300" {
		t.Fatalf("first page: %+v", page)
	}
	after := *page.Next
	page.Items, page.Next = nil, nil
	w.call(http.MethodGet, fmt.Sprintf("/v1/beneficiaries?limit=2&after=%d", after), staff, nil).json(t, &page)
	if len(page.Items) != 1 || page.Next != nil || page.Items[0].Address != bens[2].addr.Hex() {
		t.Fatalf("second page: %+v", page)
	}
	var one struct{ ID int64 }
	if r := w.call(http.MethodGet, fmt.Sprintf("/v1/beneficiaries/%d", bens[1].id), staff, nil); r.status != 200 {
		t.Fatalf("get beneficiary: %d %s", r.status, r.body)
	} else if r.json(t, &one); one.ID != bens[1].id {
		t.Fatalf("got beneficiary %d", one.ID)
	}
	var vendors struct {
		Items []struct {
			Address  string
			Approved bool
			Totals   struct{ Claimed string }
		}
	}
	w.call(http.MethodGet, "/v1/vendors", staff, nil).json(t, &vendors)
	if len(vendors.Items) != 1 || !vendors.Items[0].Approved || vendors.Items[0].Totals.Claimed != "500" {
		t.Fatalf("vendors: %+v", vendors)
	}
	var vd struct {
		Transactions []struct {
			ID   int64
			Kind string
		}
	}
	w.call(http.MethodGet, fmt.Sprintf("/v1/vendors/%d", v.id), staff, nil).json(t, &vd)
	if len(vd.Transactions) != 2 {
		t.Fatalf("vendor transactions: %+v", vd)
	}
	var tx struct {
		Kind, State, Ref string
		Hash             *string
	}
	w.call(http.MethodGet, fmt.Sprintf("/v1/transactions/%d", vd.Transactions[0].ID), staff, nil).json(t, &tx)
	if tx.State != "final" || tx.Kind != "vendor_approve" || tx.Hash == nil || tx.Ref != fmt.Sprintf("vendor:%d", v.id) {
		t.Fatalf("transaction: %+v", tx)
	}
	r := w.call(http.MethodGet, "/v1/openapi.json", "", nil)
	var doc struct{ OpenAPI string }
	if r.json(t, &doc); r.status != 200 || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi.json: %d", r.status)
	}
}

// flip returns another code of the same length.
func flip(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

// counter reads a metric with a label value from the world's registry (summing the series).
func counter(t *testing.T, w *world, name, label, value string) float64 {
	t.Helper()
	mfs, err := w.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label == "" || hasLabel(m, label, value) {
				sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
	}
	return sum
}

func hasLabel(m *dto.Metric, name, value string) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}

// TestCodeBeforeItIsOnChain: the beneficiary's SMS can arrive before addOtpToClaim is mined. The
// right code is accepted then (202), and processClaim waits for the code's transaction instead
// of reverting: here the OTP server key has no ether until the test sends it some, so the code's
// transaction cannot be mined before the code is submitted.
func TestCodeBeforeItIsOnChain(t *testing.T) {
	t.Parallel()
	otpKey, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, worldOpts{otpKey: otpKey})
	ben := w.registerBens(w.proj.Project, 1)[0]
	if d := w.waitDistribution(w.distribute([]allocation{{ben.addr.Hex(), "1000"}}).ID, time.Minute); d.State != "final" {
		t.Fatalf("distribution: %+v", d)
	}
	v := w.registerVendor()
	r := w.call(http.MethodPost, "/v1/vendor/claims", v.tok, map[string]any{"project": w.proj.Project.Hex(),
		"beneficiary": ben.addr.Hex(), "amount": "250"}, idem()...)
	if r.status != http.StatusAccepted {
		t.Fatalf("claim: %d %s", r.status, r.body)
	}
	var c claim
	r.json(t, &c)
	id := c.ID
	eventually(t, time.Minute, "the code to be sent", func() bool {
		c = claim{}
		w.call(http.MethodGet, fmt.Sprintf("/v1/vendor/claims/%d", id), v.tok, nil).json(t, &c)
		return c.State == "code_sent"
	})
	for _, tx := range c.Transactions {
		if tx.Kind == "claim_otp" && (tx.State == "mined" || tx.State == "final") {
			t.Fatalf("the code's transaction is %s, from a key without ether", tx.State)
		}
	}

	code := w.code(c, 1)
	if r := w.call(http.MethodPost, fmt.Sprintf("/v1/vendor/claims/%d/code", c.ID), v.tok, map[string]string{"code": code}, idem()...); r.status != http.StatusAccepted {
		t.Fatalf("the right code before its transaction is mined: %d %s", r.status, r.body)
	}
	w.fund(crypto.PubkeyToAddress(otpKey.PublicKey))
	w.waitClaim(v, c.ID, "processed")
	if a := w.allocation(w.proj.Project, ben.addr); a.Cmp(big.NewInt(750)) != 0 {
		t.Fatalf("allocation after the claim: %s", a)
	}
}

// fund sends to one ether from the deployer's key, and waits until it is mined.
func (w *world) fund(to common.Address) {
	w.t.Helper()
	ctx := w.t.Context()
	from := crypto.PubkeyToAddress(w.deployer.PublicKey)
	nonce, err := w.client.PendingNonceAt(ctx, from)
	if err != nil {
		w.t.Fatal(err)
	}
	tx, err := types.SignNewTx(w.deployer, types.LatestSignerForChainID(w.chain.ChainID()), &types.DynamicFeeTx{
		ChainID: w.chain.ChainID(), Nonce: nonce, GasTipCap: big.NewInt(params.GWei), GasFeeCap: big.NewInt(100 * params.GWei),
		Gas: 21_000, To: &to, Value: big.NewInt(params.Ether)})
	if err != nil {
		w.t.Fatal(err)
	}
	if err := w.client.SendTransaction(ctx, tx); err != nil {
		w.t.Fatalf("funding %s: %v", to, err)
	}
	if _, err := bind.WaitMined(ctx, w.client, tx); err != nil {
		w.t.Fatalf("funding %s: %v", to, err)
	}
}
