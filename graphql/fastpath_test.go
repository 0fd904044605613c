package graphql_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/rahataid/rahat/graphql"
	"github.com/rahataid/rahat/graphql/internal/fixture"
)

// TestFastPathMatchesGqlgen runs documents through the fast path and through gqlgen's resolvers
// and requires byte-identical answers, errors included.
func TestFastPathMatchesGqlgen(t *testing.T) {
	t.Parallel()
	f := newEventFixture(t)
	derivedFixture(t, f.db)
	fast := serve(t, f.db, nil)
	slow := serve(t, f.db, func(c *graphql.Config) { c.NoFastPath = true })
	docs := []struct {
		query string
		vars  map[string]any
	}{
		{`{ transfers { id from to value blockNumber blockTimestamp transactionHash contractAddress eventType __typename } }`, nil},
		{`{ a: transfers(first: 3, skip: 2, orderBy: value, orderDirection: desc) { x: value y: id __typename z: from } }`, nil},
		{`query($w: Transfer_filter, $n: Int) { transfers(where: $w, first: $n) { id value } }`, map[string]any{"w": map[string]any{"value_in": []string{"10", "20"}, "or": []any{map[string]any{"from": hexOf(fixture.Addr(1))}, map[string]any{"to_not": hexOf(fixture.Addr(10))}}}, "n": 4}},
		{`query($b: Boolean!) { transfers(first: 2) { id value @include(if: $b) from @skip(if: $b) } }`, map[string]any{"b": true}},
		{`{ transfers(first: 2) { ...F } } fragment F on Transfer { id to }`, nil},
		{fmt.Sprintf(`{ transfer(id: "%s") { id value } missing: transfer(id: "0x00") { id } }`, hexOf(f.transfers[3].id)), nil},
		{`{ transfers(block: {number: 101}) { id } projectCreateds(where: {name_contains_nocase: "CASH"}) { name projectAddress } }`, nil},
		{`{ tokens { id name symbol decimals treasury totalSupply holderCount } projects(orderBy: name) { id name factory budget } }`, nil},
		{`{ claims(orderBy: claimId) { id claimId state otpHash expiresAt processedTx codeAddedAt } }`, nil},
		{`{ beneficiaries(block: {number: 30}, where: {project_: {name: "Siraha"}}) { id address active walkInVendor } }`, nil},
		{`{ transfers(where: {value: "1.5"}) { id } }`, nil},
		{`{ transfers(first: 5000) { id } }`, nil},
		{`{ transfers(block: {number: 999}) { id } }`, nil},
		{`query($v: BigInt) { transfers(where: {value_gt: $v}) { id } }`, map[string]any{"v": "x"}},
		{`{ c: transfersConnection(first: 3, orderBy: value) { __typename e: edges { c: cursor node { id value __typename } __typename } nodes { from } pageInfo { hasNextPage hasPreviousPage startCursor endCursor __typename } } }`, nil},
		{`{ transfersConnection(first: 3, where: {value_gt: "10"}, orderDirection: desc) { pageInfo { endCursor } } }`, nil},
		{`{ transfersConnection(first: 0) { edges { cursor } pageInfo { startCursor endCursor hasNextPage } } }`, nil},
		{`{ transfersConnection(after: "bad") { nodes { id } } }`, nil},
		{`{ claimsConnection(first: 1) { edges { node { claimId beneficiary { address } } } } }`, nil},
	}
	for i, d := range docs {
		a, b := rawPost(t, fast.url, d.query, d.vars), rawPost(t, slow.url, d.query, d.vars)
		if !bytes.Equal(a, b) {
			t.Errorf("document %d differs:\n fast %s\n slow %s\n%s", i, a, b, d.query)
		}
	}
}

func rawPost(t *testing.T, url, query string, vars map[string]any) []byte {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return out
}
