package api_test

import (
	"math/big"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/rahataid/rahat/api/auth"
)

// TestIdempotency checks replays, key reuse with another request, and 100 concurrent identical
// requests producing exactly one distribution and one set of transactions.
func TestIdempotency(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{})
	bens := w.registerBens(w.proj.Project, 4)
	ops := w.token(auth.RoleOperator, nil)
	body := map[string]any{"project": w.proj.Project.Hex(), "allocations": allocs(bens[:2], 100)}

	key := idem()
	first := w.call(http.MethodPost, "/v1/distributions", ops, body, key...)
	if first.status != http.StatusAccepted {
		t.Fatalf("first: %d %s", first.status, first.body)
	}
	second := w.call(http.MethodPost, "/v1/distributions", ops, body, append(key, "X-Request-Id", "replay-1")...)
	if second.status != first.status || string(second.body) != string(first.body) || second.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %s\nfirst: %s", second.status, second.body, first.body)
	}
	if second.header.Get("X-Request-Id") != "replay-1" {
		t.Fatalf("request id not echoed: %q", second.header.Get("X-Request-Id"))
	}
	// The same key from another client is another key.
	other, err := auth.IssueHS256(secret, auth.TokenSpec{Subject: "ops-2", Roles: []auth.Role{auth.RoleOperator}, Now: w.clk.now()})
	if err != nil {
		t.Fatal(err)
	}
	if r := w.call(http.MethodPost, "/v1/distributions", other, body, key...); r.header.Get("Idempotent-Replayed") != "" || string(r.body) == string(first.body) {
		t.Fatalf("another client's key was replayed: %d %s", r.status, r.body)
	}

	changed := map[string]any{"project": w.proj.Project.Hex(), "allocations": allocs(bens[:2], 101)}
	w.runErrors(t, []errCase{
		{name: "same key, other body", method: http.MethodPost, path: "/v1/distributions", tok: ops, body: changed, hdr: key,
			status: 422, code: "idempotency_mismatch"},
		{name: "same key, other path", method: http.MethodPost, path: "/v1/vendors", tok: ops, body: body, hdr: key,
			status: 422, code: "idempotency_mismatch"},
	})
	var d distribution
	first.json(t, &d)
	w.waitDistribution(d.ID, time.Minute)

	// 100 concurrent identical requests.
	key = idem()
	body = map[string]any{"project": w.proj.Project.Hex(), "allocations": allocs(bens[2:], 55)}
	const n = 100
	results := make([]resp, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			results[i] = w.call(http.MethodPost, "/v1/distributions", ops, body, key...)
		})
	}
	close(start)
	wg.Wait()
	for i, r := range results {
		if r.status != http.StatusAccepted || string(r.body) != string(results[0].body) {
			t.Fatalf("response %d: %d %s\nfirst: %s", i, r.status, r.body, results[0].body)
		}
	}
	results[0].json(t, &d)
	var dists, txs, items int
	ctx := t.Context()
	if err := w.db.QueryRow(ctx, `SELECT count(*) FROM api_distributions WHERE id >= $1`, d.ID).Scan(&dists); err != nil {
		t.Fatal(err)
	}
	if err := w.db.QueryRow(ctx, `SELECT count(*) FROM txmgr_txs WHERE ref LIKE 'distribution:%' AND id >= $1`, d.Transactions[0].ID).Scan(&txs); err != nil {
		t.Fatal(err)
	}
	if err := w.db.QueryRow(ctx, `SELECT count(*) FROM api_distribution_items WHERE distribution_id >= $1`, d.ID).Scan(&items); err != nil {
		t.Fatal(err)
	}
	if dists != 1 || txs != len(d.Transactions) || items != 2 {
		t.Fatalf("%d distributions, %d transactions (want %d), %d items after %d identical requests", dists, txs, len(d.Transactions), items, n)
	}
	if got := w.waitDistribution(d.ID, time.Minute); got.State != "final" {
		t.Fatalf("distribution: %+v", got)
	}
	if r := counter(t, w, "rahat_api_idempotent_replays_total", "", ""); r < n {
		t.Errorf("replays counted: %v, want at least %d", r, n)
	}
}

// TestBudgetHeldByPendingDistributions stops the transaction manager so that distributions stay
// queued, and checks that their budget is held and their beneficiaries are busy; after a restart
// everything settles.
func TestBudgetHeldByPendingDistributions(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOpts{budget: bigInt(10_000)})
	bens := w.registerBens(w.proj.Project, 3)
	w.killTx()
	d1 := w.distribute([]allocation{{bens[0].addr.Hex(), "6000"}})
	ops := w.token(auth.RoleOperator, nil)
	proj := w.proj.Project.Hex()
	w.runErrors(t, []errCase{
		{name: "budget held by a queued distribution", method: http.MethodPost, path: "/v1/distributions", tok: ops, hdr: idem(),
			body: map[string]any{"project": proj, "allocations": []allocation{{bens[1].addr.Hex(), "4001"}}}, status: 422, code: "insufficient_budget"},
		{name: "beneficiary busy", method: http.MethodPost, path: "/v1/distributions", tok: ops, hdr: idem(),
			body: map[string]any{"project": proj, "allocations": []allocation{{bens[0].addr.Hex(), "1"}}}, status: 409, code: "conflict",
			field: "allocations[0].beneficiary"},
	})
	d2 := w.distribute([]allocation{{bens[1].addr.Hex(), "4000"}})
	w.startTx()
	w.killAPI()
	w.startAPI(nil)
	for _, id := range []int64{d1.ID, d2.ID} {
		if got := w.waitDistribution(id, time.Minute); got.State != "final" {
			t.Fatalf("distribution %d: %+v", id, got)
		}
	}
	// The budget is now all allocated: one more token is too many.
	w.runErrors(t, []errCase{{name: "budget spent", method: http.MethodPost, path: "/v1/distributions", tok: ops, hdr: idem(),
		body: map[string]any{"project": proj, "allocations": []allocation{{bens[2].addr.Hex(), "1"}}}, status: 422, code: "insufficient_budget"}})
}

func bigInt(n int64) *big.Int { return big.NewInt(n) }
