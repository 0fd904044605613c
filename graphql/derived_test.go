package graphql_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rahataid/rahat/graphql"
	"github.com/rahataid/rahat/graphql/internal/fixture"
	"github.com/rahataid/rahat/graphql/model"
)

func newDerived(t *testing.T) (*client, *counter) {
	t.Helper()
	db, cnt := tracedDB(t)
	derivedFixture(t, db)
	return serve(t, db, func(c *graphql.Config) { c.ChainID = fixture.ChainID }), cnt
}

// jsonEq runs a query and compares its data with want (JSON, compared as values).
func jsonEq(t *testing.T, c *client, query, want string) {
	t.Helper()
	r := c.post(t, query, nil)
	if len(r.Errors) > 0 {
		t.Fatalf("errors %+v\n%s", r.Errors, query)
	}
	var got, exp any
	must(t, json.Unmarshal(r.Data, &got))
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("bad want %s: %v", want, err)
	}
	g, _ := json.Marshal(got)
	e, _ := json.Marshal(exp)
	if string(g) != string(e) {
		t.Errorf("%s\n got  %s\n want %s", query, g, e)
	}
}

// sub replaces {name} placeholders with the fixture's addresses.
func sub(s string) string {
	return strings.NewReplacer(
		"{tok1}", hexOf(tok1), "{prj1}", hexOf(prj1), "{prj2}", hexOf(prj2),
		"{ben1}", hexOf(ben1), "{ben2}", hexOf(ben2), "{ben3}", hexOf(ben3), "{ven1}", hexOf(ven1),
	).Replace(s)
}

func TestDerivedTimeTravel(t *testing.T) {
	t.Parallel()
	c, _ := newDerived(t)
	cases := []struct{ name, query, want string }{
		{"current", `{ project(id: "{prj1}") { name } }`, `{"project":{"name":"Siraha"}}`},
		{"at a past block", `{ project(id: "{prj1}", block: {number: 25}) { name } }`, `{"project":{"name":"Old name"}}`},
		{"at the first block of a version", `{ project(id: "{prj1}", block: {number: 30}) { name } }`, `{"project":{"name":"Siraha"}}`},
		{"at the last block of a version", `{ project(id: "{prj1}", block: {number: 29}) { name } }`, `{"project":{"name":"Old name"}}`},
		{"before it existed", `{ project(id: "{prj1}", block: {number: 19}) { name } }`, `{"project":null}`},
		{"by hash", fmt.Sprintf(`{ project(id: "{prj1}", block: {hash: %q}) { name } }`, hexOf(fixture.BlockHash(25))), `{"project":{"name":"Old name"}}`},
		{"number_gte reads the latest", `{ project(id: "{prj1}", block: {number_gte: 25}) { name } }`, `{"project":{"name":"Siraha"}}`},
		{"list at a block", `{ projects(block: {number: 22}) { id name } }`, `{"projects":[{"id":"{prj1}","name":"Old name"}]}`},
		{"relations read at the parent's block", `{ project(id: "{prj1}", block: {number: 25}) { name beneficiaries(orderBy: address) { address active allocation } } }`,
			`{"project":{"name":"Old name","beneficiaries":[{"address":"{ben1}","active":true,"allocation":"100"},{"address":"{ben2}","active":true,"allocation":"50"}]}}`},
		{"relations now", `{ project(id: "{prj1}") { beneficiaries(orderBy: address) { address active allocation } } }`,
			`{"project":{"beneficiaries":[{"address":"{ben1}","active":false,"allocation":"0"},{"address":"{ben2}","active":true,"allocation":"50"}]}}`},
		{"to-one at a block", `{ beneficiaries(block: {number: 26}, orderBy: address) { address project { name } } }`,
			`{"beneficiaries":[{"address":"{ben1}","project":{"name":"Old name"}},{"address":"{ben2}","project":{"name":"Old name"}},{"address":"{ben3}","project":{"name":"Saptari"}}]}`},
		{"claim states over time", `{ a: claims(block: {number: 26}) { claimId state } b: claims(block: {number: 30}, orderBy: claimId) { claimId state } c: claims(orderBy: claimId) { claimId state } }`,
			`{"a":[{"claimId":"1","state":"created"}],"b":[{"claimId":"1","state":"processed"},{"claimId":"2","state":"code_added"}],"c":[{"claimId":"1","state":"processed"},{"claimId":"2","state":"expired"}]}`},
		{"immutable entities at a block", `{ a: offlineClaims(block: {number: 32}) { amount } b: offlineClaims { amount blockNumber blockTimestamp } }`,
			`{"a":[],"b":[{"amount":"3","blockNumber":"33","blockTimestamp":"1396"}]}`},
		{"meta at a block", `{ _meta(block: {number: 25}) { block { number hash timestamp } } }`,
			fmt.Sprintf(`{"_meta":{"block":{"number":25,"hash":%q,"timestamp":%d}}}`, hexOf(fixture.BlockHash(25)), ts(25))},
		{"meta", `{ _meta { block { number timestamp parentHash } hasIndexingErrors deployment } }`,
			fmt.Sprintf(`{"_meta":{"block":{"number":40,"timestamp":%d,"parentHash":%q},"hasIndexingErrors":false,"deployment":"rahat"}}`, ts(40), hexOf(fixture.BlockHash(39)))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			jsonEq(t, c, sub(tc.query), sub(tc.want))
		})
	}
}

func TestRelationFilters(t *testing.T) {
	t.Parallel()
	c, _ := newDerived(t)
	cases := []struct{ name, query, want string }{
		{"to-one", `{ beneficiaries(where: {project_: {name: "Saptari"}}, orderBy: address) { address } }`,
			`{"beneficiaries":[{"address":"{ben1}"},{"address":"{ben3}"}]}`},
		{"to-one at a block", `{ beneficiaries(block: {number: 25}, where: {project_: {name: "Old name"}}, orderBy: address) { address } }`,
			`{"beneficiaries":[{"address":"{ben1}"},{"address":"{ben2}"}]}`},
		{"to-many", `{ projects(where: {beneficiaries_: {walkIn: true}}) { name } }`, `{"projects":[{"name":"Saptari"}]}`},
		{"to-many now", `{ projects(where: {beneficiaries_: {allocation_gt: "60"}}, orderBy: name) { name } }`, `{"projects":[{"name":"Saptari"}]}`},
		{"to-many at a block", `{ projects(block: {number: 30}, where: {beneficiaries_: {allocation_gt: "60"}}, orderBy: name) { name } }`,
			`{"projects":[{"name":"Saptari"},{"name":"Siraha"}]}`},
		{"composite reference", `{ claims(where: {beneficiary_: {address: "{ben2}"}}) { claimId } }`, `{"claims":[{"claimId":"2"}]}`},
		{"two levels", `{ claims(where: {beneficiary_: {project_: {name: "Siraha"}}}, orderBy: claimId) { claimId } }`,
			`{"claims":[{"claimId":"1"},{"claimId":"2"}]}`},
		{"derived from a token", `{ tokens(where: {projects_: {name_starts_with: "Sap"}}) { symbol } }`, `{"tokens":[{"symbol":"AID1"}]}`},
		{"no match", `{ tokens(where: {projects_: {name: "nope"}}) { symbol } }`, `{"tokens":[]}`},
		{"reference column", `{ beneficiaries(where: {project: "{prj2}"}, orderBy: address) { address } }`,
			`{"beneficiaries":[{"address":"{ben1}"},{"address":"{ben3}"}]}`},
		{"reference column in", `{ beneficiaries(where: {project_in: ["{prj2}"], active: true}, orderBy: allocation, orderDirection: desc) { allocation } }`,
			`{"beneficiaries":[{"allocation":"70"},{"allocation":"30"}]}`},
		{"or across relations", `{ beneficiaries(where: {or: [{project_: {name: "Saptari"}}, {allocation: "50"}]}, orderBy: allocation) { allocation } }`,
			`{"beneficiaries":[{"allocation":"30"},{"allocation":"50"},{"allocation":"70"}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			jsonEq(t, c, sub(tc.query), sub(tc.want))
		})
	}
}

// TestBatching proves relations cost one statement per relation and level, whatever the number
// of parents (no N+1).
func TestBatching(t *testing.T) {
	t.Parallel()
	c, cnt := newDerived(t)
	q := `{ projects { id token { symbol } beneficiaries(first: 20) { address balance { balance } claims(first: 10) { claimId vendor { address } } project { name } }
	        vendors(first: 20) { address claims(first: 10) { claimId } } } }`
	c.post(t, q, nil) // warm up: the first request may look up things once
	before := cnt.n.Load()
	var out struct {
		Projects []struct {
			Beneficiaries []struct {
				Address string
				Balance *struct{ Balance string }
				Claims  []struct {
					ClaimID string `json:"claimId"`
					Vendor  struct{ Address string }
				}
			}
		}
	}
	c.data(t, q, nil, &out)
	// projects, token, beneficiaries, balance, claims, claims' vendor, beneficiaries' project,
	// vendors, vendors' claims.
	if got := cnt.n.Load() - before; got != 9 {
		t.Errorf("%d statements, want 9", got)
	}
	if len(out.Projects) != 2 || len(out.Projects[0].Beneficiaries)+len(out.Projects[1].Beneficiaries) != 4 {
		t.Fatalf("unexpected data %+v", out)
	}
	found := false
	for _, p := range out.Projects {
		for _, b := range p.Beneficiaries {
			if b.Address == hexOf(ben1) && len(b.Claims) == 1 && b.Claims[0].Vendor.Address == hexOf(ven1) && b.Balance != nil && b.Balance.Balance == "10" {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("ben1's claim, vendor and balance missing: %+v", out)
	}
}

func TestIDsAndViews(t *testing.T) {
	t.Parallel()
	c, _ := newDerived(t)
	claim2 := hexOf(append(append([]byte{}, prj1...), model.U256("2")...))
	cases := []struct{ name, query, want string }{
		{"composite id", fmt.Sprintf(`{ beneficiary(id: %q) { id address allocation } }`, hexOf(append(append([]byte{}, prj1...), ben2...))),
			fmt.Sprintf(`{"beneficiary":{"id":%q,"address":"{ben2}","allocation":"50"}}`, hexOf(append(append([]byte{}, prj1...), ben2...)))},
		{"numeric id part", fmt.Sprintf(`{ claim(id: %q) { claimId amount } }`, claim2), `{"claim":{"claimId":"2","amount":"5"}}`},
		{"id filter", fmt.Sprintf(`{ claims(where: {id_in: [%q]}) { claimId } }`, claim2), `{"claims":[{"claimId":"2"}]}`},
		{"id order", `{ claims(orderBy: id, orderDirection: desc) { claimId } }`, `{"claims":[{"claimId":"2"},{"claimId":"1"}]}`},
		{"id gt", fmt.Sprintf(`{ claims(where: {id_gt: %q}) { claimId } }`, claim2), `{"claims":[]}`},
		{"id lt", fmt.Sprintf(`{ claims(where: {id_lt: %q}) { claimId } }`, claim2), `{"claims":[{"claimId":"1"}]}`},
		{"event-like id", fmt.Sprintf(`{ redemption(id: %q) { amount vendor { address } vendorAddress } }`, hexOf(append(append([]byte{}, fixture.Hash(4)...), 0, 0, 0, 0))),
			`{"redemption":{"amount":"4","vendor":{"address":"{ven1}"},"vendorAddress":"{ven1}"}}`},
		{"beneficiary view", `{ beneficiaryView(address: "{ben1}") { address allocation claimed claimCount memberships { project { name } allocation } balances { balance token { symbol } } claims { claimId } } }`,
			`{"beneficiaryView":{"address":"{ben1}","allocation":"30","claimed":"10","claimCount":"1","memberships":[{"project":{"name":"Siraha"},"allocation":"0"},{"project":{"name":"Saptari"},"allocation":"30"}],
			  "balances":[{"balance":"10","token":{"symbol":"AID1"}}],"claims":[{"claimId":"1"}]}}`},
		{"beneficiary view at a block", `{ beneficiaryView(address: "{ben1}", block: {number: 30}) { allocation memberships { allocation } } }`,
			`{"beneficiaryView":{"allocation":"130","memberships":[{"allocation":"100"},{"allocation":"30"}]}}`},
		{"vendor view", `{ vendorView(address: "{ven1}") { claimed claimCount memberships { approved project { name } } claims { claimId state } offlineClaims(where: {amount_gt: "1"}) { amount beneficiary { address } } redemptions { amount } balances { balance } } }`,
			`{"vendorView":{"claimed":"10","claimCount":"2","memberships":[{"approved":true,"project":{"name":"Siraha"}}],"claims":[{"claimId":"2","state":"expired"},{"claimId":"1","state":"processed"}],
			  "offlineClaims":[{"amount":"3","beneficiary":{"address":"{ben2}"}}],"redemptions":[{"amount":"4"}],"balances":[{"balance":"990"}]}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			jsonEq(t, c, sub(tc.query), sub(tc.want))
		})
	}
}

func TestAggregates(t *testing.T) {
	t.Parallel()
	c, _ := newDerived(t)
	cases := []struct{ name, query, want string }{
		{"by project", `{ beneficiariesAggregate(groupBy: [project]) { project count sum { allocation } min { allocation } max { allocation } } }`,
			`{"beneficiariesAggregate":[{"project":"{prj1}","count":"2","sum":{"allocation":"50"},"min":{"allocation":"0"},"max":{"allocation":"50"}},
			                            {"project":"{prj2}","count":"2","sum":{"allocation":"100"},"min":{"allocation":"30"},"max":{"allocation":"70"}}]}`},
		{"by project at a block", `{ beneficiariesAggregate(block: {number: 30}, groupBy: [project], orderDirection: desc) { project sum { allocation } } }`,
			`{"beneficiariesAggregate":[{"project":"{prj2}","sum":{"allocation":"100"}},{"project":"{prj1}","sum":{"allocation":"150"}}]}`},
		{"by token", `{ beneficiariesAggregate(groupBy: [token]) { token project count sum { allocation claimed } } }`,
			`{"beneficiariesAggregate":[{"token":"{tok1}","project":null,"count":"4","sum":{"allocation":"150","claimed":"10"}}]}`},
		{"totals", `{ projectsAggregate { count sum { budget allocated } } }`, `{"projectsAggregate":[{"count":"2","sum":{"budget":"800","allocated":"250"}}]}`},
		{"filtered", `{ beneficiariesAggregate(where: {active: true, project_: {name: "Saptari"}}) { count } }`, `{"beneficiariesAggregate":[{"count":"2"}]}`},
		{"by computed state", `{ claimsAggregate(groupBy: [state]) { state count sum { amount } } }`,
			`{"claimsAggregate":[{"state":"expired","count":"1","sum":{"amount":"5"}},{"state":"processed","count":"1","sum":{"amount":"10"}}]}`},
		{"by day", `{ claimsAggregate(interval: day) { timestamp count } }`, `{"claimsAggregate":[{"timestamp":"0","count":"2"}]}`},
		{"by hour and project", `{ claimsAggregate(interval: hour, groupBy: [project, token]) { timestamp project token count } }`,
			`{"claimsAggregate":[{"timestamp":"0","project":"{prj1}","token":"{tok1}","count":"2"}]}`},
		{"empty", `{ claimsAggregate(where: {amount_gt: "1000"}) { count sum { amount } } }`, `{"claimsAggregate":[{"count":"0","sum":{"amount":null}}]}`},
		{"empty groups", `{ claimsAggregate(where: {amount_gt: "1000"}, groupBy: [state]) { count } }`, `{"claimsAggregate":[]}`},
		{"first and skip", `{ beneficiariesAggregate(groupBy: [project], first: 1, skip: 1) { project } }`, `{"beneficiariesAggregate":[{"project":"{prj2}"}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			jsonEq(t, c, sub(tc.query), sub(tc.want))
		})
	}
}

// TestEventAggregates compares event aggregates with sums over the fixture.
func TestEventAggregates(t *testing.T) {
	t.Parallel()
	f := newEventFixture(t)
	var out struct {
		A []struct {
			From  string
			Count string
			Sum   struct{ Value string }
			Min   struct{ Value string }
			Max   struct{ Value string }
		}
		B []struct{ Timestamp, Count string }
		C []struct{ Count string }
	}
	f.c.data(t, `{ a: transfersAggregate(groupBy: [from]) { from count sum { value } min { value } max { value } }
	  b: transfersAggregate(interval: hour, block: {number: 102}) { timestamp count }
	  c: transfersAggregate(where: {value_gt: "10"}) { count } }`, nil, &out)
	type agg struct{ count, sum, min, max int64 }
	want := map[string]*agg{}
	var gt10 int
	for _, tr := range f.transfers {
		k := hexOf(tr.from)
		a := want[k]
		if a == nil {
			a = &agg{min: 1 << 60}
			want[k] = a
		}
		a.count++
		a.sum += tr.value
		a.min, a.max = min(a.min, tr.value), max(a.max, tr.value)
		if tr.value > 10 {
			gt10++
		}
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(out.A) != len(keys) {
		t.Fatalf("groups %+v", out.A)
	}
	for i, k := range keys {
		a, g := want[k], out.A[i]
		if g.From != k || g.Count != fmt.Sprint(a.count) || g.Sum.Value != fmt.Sprint(a.sum) || g.Min.Value != fmt.Sprint(a.min) || g.Max.Value != fmt.Sprint(a.max) {
			t.Errorf("group %s: got %+v, want %+v", k, g, *a)
		}
	}
	// Blocks 100..102 hold 6 transfers; their times (2200..2224) fall in the hour starting at 0.
	if len(out.B) != 1 || out.B[0].Timestamp != "0" || out.B[0].Count != "6" {
		t.Errorf("by hour at block 102: %+v", out.B)
	}
	if len(out.C) != 1 || out.C[0].Count != fmt.Sprint(gt10) {
		t.Errorf("filtered count: %+v, want %d", out.C, gt10)
	}
}

func TestAggregateSelections(t *testing.T) {
	t.Parallel()
	c, _ := newDerived(t)
	jsonEq(t, c, `{ claimsAggregate { count sum { __typename } max { amount } } }`, `{"claimsAggregate":[{"count":"2","sum":{"__typename":"Claim_numbers"},"max":{"amount":"10"}}]}`)
	jsonEq(t, c, `{ a: claimsAggregate { min { amount } } b: claimsAggregate { min { createdAt: amount } } }`, `{"a":[{"min":{"amount":"5"}}],"b":[{"min":{"createdAt":"5"}}]}`)
}

// TestChildOrder: orderBy "<relation>__<field>" (TheGraph's child ordering) sorts by the related
// entity's field as it was at the block read, through composite references too, in both
// directions and across cursor pages.
func TestChildOrder(t *testing.T) {
	t.Parallel()
	c, _ := newDerived(t)
	cases := []struct{ name, query, want string }{
		{"by the project's name", `{ beneficiaries(orderBy: project__name) { project { name } } }`,
			`{"beneficiaries":[{"project":{"name":"Saptari"}},{"project":{"name":"Saptari"}},{"project":{"name":"Siraha"}},{"project":{"name":"Siraha"}}]}`},
		{"descending", `{ beneficiaries(orderBy: project__name, orderDirection: desc) { project { name } } }`,
			`{"beneficiaries":[{"project":{"name":"Siraha"}},{"project":{"name":"Siraha"}},{"project":{"name":"Saptari"}},{"project":{"name":"Saptari"}}]}`},
		{"the name at the block read", `{ beneficiaries(block: {number: 26}, orderBy: project__name) { project { name } } }`,
			`{"beneficiaries":[{"project":{"name":"Old name"}},{"project":{"name":"Old name"}},{"project":{"name":"Saptari"}}]}`},
		{"through a composite reference", `{ claims(orderBy: beneficiary__allocation) { claimId } }`,
			`{"claims":[{"claimId":"1"},{"claimId":"2"}]}`},
		{"through a composite reference, descending", `{ claims(orderBy: beneficiary__allocation, orderDirection: desc) { claimId } }`,
			`{"claims":[{"claimId":"2"},{"claimId":"1"}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			jsonEq(t, c, sub(tc.query), sub(tc.want))
		})
	}

	t.Run("by the project's id", func(t *testing.T) {
		t.Parallel()
		var out struct {
			Beneficiaries []struct{ Project struct{ ID string } }
		}
		c.data(t, `{ beneficiaries(orderBy: project__id) { project { id } } }`, nil, &out)
		var ids []string
		for _, b := range out.Beneficiaries {
			ids = append(ids, b.Project.ID)
		}
		if len(ids) != 4 || !slices.IsSorted(ids) || ids[0] == ids[3] {
			t.Fatalf("project ids in order %v", ids)
		}
	})

	t.Run("cursor pages", func(t *testing.T) {
		t.Parallel()
		var names []string
		after := ""
		for range 5 {
			var page struct {
				BeneficiariesConnection struct {
					Nodes    []struct{ Project struct{ Name string } }
					PageInfo struct {
						HasNextPage bool
						EndCursor   string
					}
				}
			}
			c.data(t, `query($after: String) { beneficiariesConnection(first: 1, after: $after, orderBy: project__name, orderDirection: desc) {
				nodes { project { name } } pageInfo { hasNextPage endCursor } } }`, map[string]any{"after": after}, &page)
			for _, n := range page.BeneficiariesConnection.Nodes {
				names = append(names, n.Project.Name)
			}
			if !page.BeneficiariesConnection.PageInfo.HasNextPage {
				break
			}
			after = page.BeneficiariesConnection.PageInfo.EndCursor
		}
		if want := []string{"Siraha", "Siraha", "Saptari", "Saptari"}; !slices.Equal(names, want) {
			t.Fatalf("pages: %v, want %v", names, want)
		}
	})

	t.Run("to-many relations cannot order", func(t *testing.T) {
		t.Parallel()
		c.fails(t, `{ projects(orderBy: beneficiaries__allocation) { name } }`, nil, "beneficiaries__allocation")
	})
}
