package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/api"
	"github.com/rahataid/rahat/api/auth"
	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/graphql"
)

// Request and transaction states as GraphQL's operational fields show them, against what the
// REST API returns for the same objects, made through the REST API on the dev chain.

// gqlResult is a GraphQL response.
type gqlResult struct {
	Data   json.RawMessage
	Errors []struct {
		Message    string
		Extensions map[string]any
	}
}

// graphqlURL serves GraphQL on the world's database with the API's token secret.
func (w *world) graphqlURL() string {
	w.t.Helper()
	v, err := auth.NewVerifier(w.t.Context(), auth.Config{HS256Secret: secret, Now: w.clk.now})
	if err != nil {
		w.t.Fatal(err)
	}
	h, err := graphql.NewHandler(graphql.Config{DB: w.db, ChainID: devchain.ChainID, Verifier: v,
		Registry: prometheus.NewRegistry(), Logger: w.logger("graphql")})
	if err != nil {
		w.t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	w.t.Cleanup(srv.Close)
	return srv.URL
}

// gql posts a document with a bearer token (none when empty).
func (w *world) gql(url, tok, query string, vars map[string]any) gqlResult {
	w.t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		w.t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(w.t.Context(), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	var r gqlResult
	if err := json.Unmarshal(b, &r); err != nil {
		w.t.Fatalf("decoding %s: %v", b, err)
	}
	return r
}

// gqlData runs a document that must succeed and decodes its data.
func (w *world) gqlData(url, tok, query string, vars map[string]any, out any) {
	w.t.Helper()
	r := w.gql(url, tok, query, vars)
	if len(r.Errors) > 0 {
		w.t.Fatalf("%s: %+v", query, r.Errors)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		w.t.Fatalf("decoding %s: %v", r.Data, err)
	}
}

// canonTx is a transaction reduced to what both APIs show, in one notation.
type canonTx struct {
	ID, Kind, State, Hash, Nonce, Block, Error string
	Attempts, Items                            int
}

// restTx is a transaction as the REST API writes it.
type restTx struct {
	ID          int64
	Kind, State string
	Hash        *string
	Nonce       *uint64
	BlockNumber *uint64 `json:"block_number"`
	Attempts    int
	Error       string
	Items       int
}

func (t restTx) canon() canonTx {
	c := canonTx{ID: strconv.FormatInt(t.ID, 10), Kind: t.Kind, State: t.State, Error: t.Error, Attempts: t.Attempts, Items: t.Items}
	if t.Hash != nil {
		c.Hash = strings.ToLower(*t.Hash)
	}
	if t.Nonce != nil {
		c.Nonce = strconv.FormatUint(*t.Nonce, 10)
	}
	if t.BlockNumber != nil {
		c.Block = strconv.FormatUint(*t.BlockNumber, 10)
	}
	return c
}

// gqlTx is a transaction as GraphQL writes it.
type gqlTx struct {
	ID, Kind, State, Error  string
	Hash, Nonce, MinedBlock *string
	Attempts                int
	Items                   *int
	Signer, Ref             string
	SubmittedAt             *string
	FinalizedAt             *string
}

func (t gqlTx) canon() canonTx {
	c := canonTx{ID: t.ID, Kind: t.Kind, State: t.State, Error: t.Error, Attempts: t.Attempts}
	for dst, src := range map[*string]*string{&c.Hash: t.Hash, &c.Nonce: t.Nonce, &c.Block: t.MinedBlock} {
		if src != nil {
			*dst = *src
		}
	}
	if t.Items != nil {
		c.Items = *t.Items
	}
	return c
}

func canonAll[T interface{ canon() canonTx }](ts []T) []canonTx {
	out := []canonTx{}
	for _, t := range ts {
		out = append(out, t.canon())
	}
	return out
}

const txFields = `id kind ref state hash nonce minedBlock attempts error items signer submittedAt finalizedAt`

func TestOperationalStates(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	url := w.graphqlURL()
	staff := w.token(auth.RoleOperator, nil)
	bens := w.registerBens(w.proj.Project, 3)
	d := w.waitDistribution(w.distribute(allocs(bens, 1000)).ID, time.Minute)
	if d.State != "final" {
		t.Fatalf("distribution: %+v", d)
	}

	// 1. A distribution: state, figures and transactions equal the REST API's.
	var rest struct {
		ID            int64
		Project       string
		Token         string
		State         string
		Error         string
		Beneficiaries int
		Total         string
		AddedOnChain  int    `json:"added_on_chain"`
		CreatedAt     string `json:"created_at"`
		Transactions  []restTx
	}
	w.call(http.MethodGet, fmt.Sprintf("/v1/distributions/%d", d.ID), staff, nil).json(t, &rest)
	var got struct {
		Distribution struct {
			ID, Project, Token, State, Error, Total, CreatedAt string
			Beneficiaries, AddedOnChain                        int
			Items                                              struct{ Total, Queued, Sent, Mined, Final, Failed int }
			Allocations                                        []struct {
				Index                                     int
				Beneficiary, Amount, TransactionID, State string
			}
			Transactions []gqlTx
		}
	}
	w.gqlData(url, staff, `query($id: ID!) { distribution(id: $id) { id project token state error beneficiaries total
  addedOnChain createdAt items { total queued sent mined final failed }
  allocations(first: 10) { index beneficiary amount transactionId state } transactions { `+txFields+` } } }`,
		map[string]any{"id": strconv.FormatInt(d.ID, 10)}, &got)
	g := got.Distribution
	if g.ID != strconv.FormatInt(rest.ID, 10) || !strings.EqualFold(g.Project, rest.Project) || !strings.EqualFold(g.Token, rest.Token) ||
		g.State != rest.State || g.Error != rest.Error || g.Beneficiaries != rest.Beneficiaries || g.Total != rest.Total ||
		g.AddedOnChain != rest.AddedOnChain || g.CreatedAt != rest.CreatedAt {
		t.Errorf("distribution differs:\ngraphql %+v\nrest    %+v", g, rest)
	}
	if a, b := canonAll(g.Transactions), canonAll(rest.Transactions); !reflect.DeepEqual(a, b) {
		t.Errorf("transactions differ:\ngraphql %+v\nrest    %+v", a, b)
	}
	if g.Items.Total != 3 || g.Items.Final != 3 {
		t.Errorf("items: %+v", g.Items)
	}
	for i, a := range g.Allocations {
		if a.Index != i || !strings.EqualFold(a.Beneficiary, bens[i].addr.Hex()) || a.Amount != strconv.Itoa(1000+i) || a.State != "final" {
			t.Errorf("allocation %d: %+v", i, a)
		}
	}
	for _, tx := range g.Transactions {
		if tx.Ref != fmt.Sprintf("distribution:%d", d.ID) || !strings.EqualFold(tx.Signer, w.operator.Hex()) || tx.SubmittedAt == nil || tx.FinalizedAt == nil {
			t.Errorf("transaction: %+v", tx)
		}
	}
	// The list filters by the same state.
	var list struct{ Distributions []struct{ ID, State string } }
	w.gqlData(url, staff, `query($p: Bytes) { distributions(where: {project: $p, state: final}) { id state } }`,
		map[string]any{"p": w.proj.Project.Hex()}, &list)
	if len(list.Distributions) != 1 || list.Distributions[0].ID != strconv.FormatInt(d.ID, 10) {
		t.Errorf("final distributions: %+v", list)
	}
	w.gqlData(url, staff, `{ distributions(where: {state_in: [pending, submitted, failed]}) { id state } }`, nil, &list)
	if len(list.Distributions) != 0 {
		t.Errorf("open distributions: %+v", list)
	}

	// The REST list shows the same distribution, state and transactions; it filters by state.
	var restList struct {
		Items []struct {
			ID           int64
			State        string
			Transactions []restTx
		}
	}
	w.call(http.MethodGet, "/v1/distributions?state=final&project="+w.proj.Project.Hex(), staff, nil).json(t, &restList)
	if len(restList.Items) != 1 || restList.Items[0].ID != d.ID || restList.Items[0].State != "final" ||
		!reflect.DeepEqual(canonAll(restList.Items[0].Transactions), canonAll(rest.Transactions)) {
		t.Errorf("REST list: %+v", restList)
	}
	w.call(http.MethodGet, "/v1/distributions?state=pending", staff, nil).json(t, &restList)
	if len(restList.Items) != 0 {
		t.Errorf("pending distributions: %+v", restList)
	}
	if r := w.call(http.MethodGet, "/v1/distributions?state=lost", staff, nil); r.status != 422 || r.err(t).Code != "validation_failed" {
		t.Errorf("bad state: %d %s", r.status, r.body)
	}

	// 2. Claims and a settlement of two vendors.
	v1, v2 := w.registerVendor(), w.registerVendor()
	c1 := w.createClaim(v1, bens[0], "300")
	if r := w.call(http.MethodPost, fmt.Sprintf("/v1/vendor/claims/%d/code", c1.ID), v1.tok,
		map[string]string{"code": w.code(c1, 1)}, idem()...); r.status != http.StatusAccepted {
		t.Fatalf("code: %d %s", r.status, r.body)
	}
	w.waitClaim(v1, c1.ID, "processed")
	c2 := w.createClaim(v2, bens[1], "200")
	r := w.call(http.MethodPost, "/v1/vendor/settlements", v1.tok, map[string]string{"project": w.proj.Project.Hex(), "amount": "100"}, idem()...)
	if r.status != http.StatusAccepted {
		t.Fatalf("settlement: %d %s", r.status, r.body)
	}
	var st struct{ ID int64 }
	r.json(t, &st)
	var restSt struct {
		State, Error, Amount string
		Transactions         []restTx
	}
	eventually(t, time.Minute, "settlement final", func() bool {
		w.call(http.MethodGet, fmt.Sprintf("/v1/vendor/settlements/%d", st.ID), v1.tok, nil).json(t, &restSt)
		return restSt.State == "final" || restSt.State == "failed"
	})

	// Reads are compared once nothing moves any more: c2's code is on chain and final.
	eventually(t, time.Minute, "claim transactions final", func() bool {
		var c claim
		w.call(http.MethodGet, fmt.Sprintf("/v1/vendor/claims/%d", c2.ID), v2.tok, nil).json(t, &c)
		return !slices.ContainsFunc(c.Transactions, func(tx struct {
			ID          int64
			Kind, State string
		}) bool {
			return tx.State != "final"
		})
	})

	// The vendor's REST list of settlements holds its own only.
	var restSts struct {
		Items []struct {
			ID           int64
			State        string
			Transactions []restTx
		}
	}
	w.call(http.MethodGet, "/v1/vendor/settlements", v1.tok, nil).json(t, &restSts)
	if len(restSts.Items) != 1 || restSts.Items[0].ID != st.ID || restSts.Items[0].State != restSt.State ||
		!reflect.DeepEqual(canonAll(restSts.Items[0].Transactions), canonAll(restSt.Transactions)) {
		t.Errorf("vendor 1 settlements: %+v", restSts)
	}
	w.call(http.MethodGet, "/v1/vendor/settlements", v2.tok, nil).json(t, &restSts)
	if len(restSts.Items) != 0 {
		t.Errorf("vendor 2 settlements: %+v", restSts)
	}

	// A vendor sees its own claims and settlements only; staff see all.
	type claimsData struct {
		ClaimRequests []struct{ ID, Vendor, State string }
		Settlements   []struct{ ID, Vendor string }
		Other         *struct{ ID string }
	}
	const claimsDoc = `query($other: ID!) { claimRequests { id vendor state } settlements { id vendor } other: claimRequest(id: $other) { id } }`
	for _, tc := range []struct {
		who         string
		tok         string
		other       int64
		claims, sts []int64
	}{
		{"vendor 1", v1.tok, c2.ID, []int64{c1.ID}, []int64{st.ID}},
		{"vendor 2", v2.tok, c1.ID, []int64{c2.ID}, nil},
		{"operator", staff, c1.ID, []int64{c2.ID, c1.ID}, []int64{st.ID}},
		{"admin", w.token(auth.RoleAdmin, nil), c2.ID, []int64{c2.ID, c1.ID}, []int64{st.ID}},
	} {
		var cd claimsData
		w.gqlData(url, tc.tok, claimsDoc, map[string]any{"other": strconv.FormatInt(tc.other, 10)}, &cd)
		var ids, sids []int64
		for _, c := range cd.ClaimRequests {
			id, _ := strconv.ParseInt(c.ID, 10, 64)
			ids = append(ids, id)
		}
		for _, s := range cd.Settlements {
			id, _ := strconv.ParseInt(s.ID, 10, 64)
			sids = append(sids, id)
		}
		if !slices.Equal(ids, tc.claims) || !slices.Equal(sids, tc.sts) {
			t.Errorf("%s sees claims %v and settlements %v, want %v and %v", tc.who, ids, sids, tc.claims, tc.sts)
		}
		if strings.HasPrefix(tc.who, "vendor") && cd.Other != nil {
			t.Errorf("%s reads another vendor's claim %s", tc.who, cd.Other.ID)
		}
	}

	// A claim's state and transactions equal the REST API's, for the vendor and for staff.
	for _, c := range []struct {
		v  vendor
		id int64
	}{{v1, c1.ID}, {v2, c2.ID}} {
		var restC struct {
			State, Error, Amount string
			ClaimID              *string `json:"claim_id"`
			CodeExpiresAt        *string `json:"code_expires_at"`
			AttemptsLeft         int     `json:"attempts_left"`
			CodesLeft            int     `json:"codes_left"`
			Transactions         []restTx
		}
		w.call(http.MethodGet, fmt.Sprintf("/v1/vendor/claims/%d", c.id), c.v.tok, nil).json(t, &restC)
		for _, tok := range []string{c.v.tok, staff} {
			var gc struct {
				ClaimRequest struct {
					State, Error, Amount, Beneficiary string
					ClaimID, CodeExpiresAt            *string
					Attempts, CodesSent               int
					Transactions                      []gqlTx
				}
			}
			w.gqlData(url, tok, `query($id: ID!) { claimRequest(id: $id) { state error amount beneficiary claimId codeExpiresAt
  attempts codesSent transactions { `+txFields+` } } }`, map[string]any{"id": strconv.FormatInt(c.id, 10)}, &gc)
			g := gc.ClaimRequest
			if g.State != restC.State || g.Error != restC.Error || g.Amount != restC.Amount || !reflect.DeepEqual(g.ClaimID, restC.ClaimID) ||
				!reflect.DeepEqual(g.CodeExpiresAt, restC.CodeExpiresAt) || api.DefaultMaxAttempts-g.Attempts != restC.AttemptsLeft ||
				api.DefaultMaxCodes-g.CodesSent != restC.CodesLeft {
				t.Errorf("claim %d differs:\ngraphql %+v\nrest    %+v", c.id, g, restC)
			}
			if a, b := canonAll(g.Transactions), canonAll(restC.Transactions); !reflect.DeepEqual(a, b) {
				t.Errorf("claim %d transactions differ:\ngraphql %+v\nrest    %+v", c.id, a, b)
			}
		}
	}

	// The settlement, read by its vendor, and in a list by staff (transactions loaded for the page).
	var gs struct {
		Settlement struct {
			State, Error, Amount string
			Transactions         []gqlTx
		}
	}
	w.gqlData(url, v1.tok, `query($id: ID!) { settlement(id: $id) { state error amount transactions { `+txFields+` } } }`,
		map[string]any{"id": strconv.FormatInt(st.ID, 10)}, &gs)
	if gs.Settlement.State != restSt.State || gs.Settlement.Error != restSt.Error || gs.Settlement.Amount != restSt.Amount ||
		!reflect.DeepEqual(canonAll(gs.Settlement.Transactions), canonAll(restSt.Transactions)) {
		t.Errorf("settlement differs:\ngraphql %+v\nrest    %+v", gs.Settlement, restSt)
	}
	var gsl struct {
		Settlements []struct {
			State        string
			Transactions []gqlTx
		}
	}
	w.gqlData(url, staff, `{ settlements(where: {state: final}) { state transactions { `+txFields+` } } }`, nil, &gsl)
	if len(gsl.Settlements) != 1 || !reflect.DeepEqual(canonAll(gsl.Settlements[0].Transactions), canonAll(restSt.Transactions)) {
		t.Errorf("settlements list: %+v", gsl)
	}

	// 3. The outbox: one transaction equals GET /v1/transactions/{id}; lists filter by state and signer.
	id := rest.Transactions[len(rest.Transactions)-1].ID
	var restT struct {
		restTx
		Ref, Signer, To string
	}
	w.call(http.MethodGet, fmt.Sprintf("/v1/transactions/%d", id), staff, nil).json(t, &restT)
	var gt struct {
		Transaction struct {
			gqlTx
			To string
		}
	}
	w.gqlData(url, staff, `query($id: ID!) { transaction(id: $id) { `+txFields+` to } }`, map[string]any{"id": strconv.FormatInt(id, 10)}, &gt)
	// A distribution's transaction carries its beneficiaries' count wherever it is read; the
	// REST outbox view has no items.
	if last := rest.Transactions[len(rest.Transactions)-1]; gt.Transaction.Items == nil || *gt.Transaction.Items != last.Items {
		t.Errorf("transaction %d: items %v, the distribution shows %d", id, gt.Transaction.Items, last.Items)
	}
	gt.Transaction.Items = nil
	if !reflect.DeepEqual(gt.Transaction.canon(), restT.canon()) || gt.Transaction.Ref != restT.Ref ||
		!strings.EqualFold(gt.Transaction.Signer, restT.Signer) || !strings.EqualFold(gt.Transaction.To, restT.To) {
		t.Errorf("transaction differs:\ngraphql %+v\nrest    %+v", gt.Transaction, restT)
	}
	var txs struct{ Transactions []gqlTx }
	w.gqlData(url, staff, `query($s: Bytes) { transactions(first: 1000, where: {signer: $s, state: final}) { `+txFields+` } }`,
		map[string]any{"s": w.operator.Hex()}, &txs)
	seen := map[string]*int{}
	for _, tx := range txs.Transactions {
		if tx.State != "final" || !strings.EqualFold(tx.Signer, w.operator.Hex()) {
			t.Errorf("filtered transaction: %+v", tx)
		}
		seen[tx.ID] = tx.Items
	}
	for _, tx := range rest.Transactions {
		items, ok := seen[strconv.FormatInt(tx.ID, 10)]
		switch {
		case !ok:
			t.Errorf("transaction %d of the distribution missing from the operator's final transactions", tx.ID)
		case items == nil || *items != tx.Items:
			t.Errorf("transaction %d in the list: items %v, the distribution shows %d", tx.ID, items, tx.Items)
		}
	}

	// 4. Refusals on real data: no token, and a vendor asking for staff fields.
	for _, tc := range []struct{ tok, code string }{{"", "UNAUTHENTICATED"}, {v1.tok, "FORBIDDEN"}} {
		res := w.gql(url, tc.tok, `query($id: ID!) { distribution(id: $id) { id state } }`, map[string]any{"id": strconv.FormatInt(d.ID, 10)})
		if string(res.Data) != `{"distribution":null}` || len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != tc.code {
			t.Errorf("want %s: %s %+v", tc.code, res.Data, res.Errors)
		}
	}
	if res := w.gql(url, "", `{ claimRequests { id } }`, nil); len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Errorf("claims without a token: %s %+v", res.Data, res.Errors)
	}

	// 5. Metrics show the same states (the worker stores them; the gauges read them at scrape time).
	eventually(t, time.Minute, "state gauges", func() bool {
		return gauge(t, w, "rahat_api_objects", "entity", "distribution", "state", "final") == 1 &&
			gauge(t, w, "rahat_api_objects", "entity", "claim", "state", "processed") == 1 &&
			gauge(t, w, "rahat_api_objects", "entity", "claim", "state", "code_sent") == 1 &&
			gauge(t, w, "rahat_api_objects", "entity", "settlement", "state", "final") == 1
	})
	if n := gauge(t, w, "rahat_api_transactions", "kind", "allocate", "state", "final"); n != 1 {
		t.Errorf("final allocate transactions gauge %v", n)
	}
	if n := gauge(t, w, "rahat_api_transactions", "kind", "settle_redeem", "state", "final"); n != 1 {
		t.Errorf("final settle_redeem transactions gauge %v", n)
	}
}

// gauge reads the sum of a metric's series with the given label pairs from the world's registry.
func gauge(t *testing.T, w *world, name string, labels ...string) float64 {
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
	series:
		for _, m := range mf.GetMetric() {
			for i := 0; i+1 < len(labels); i += 2 {
				if !hasLabel(m, labels[i], labels[i+1]) {
					continue series
				}
			}
			sum += m.GetGauge().GetValue()
		}
	}
	return sum
}
