package graphql_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/rahataid/rahat/graphql"
)

// TestFastPathMergedReads: under concurrent load, with one slot per statement text, the fast
// path's reads are merged into shared statements (the metrics say so), and every answer is byte
// for byte gqlgen's answer to the same request alone.
func TestFastPathMergedReads(t *testing.T) {
	t.Parallel()
	fs := newFastAndSlow(t, func(c *graphql.Config) { c.Limits.CoalesceSlots = 1 })

	var all struct {
		Transfers []struct{ ID, To string }
	}
	fs.slow.data(t, `{ transfers(first: 1000) { id to } }`, nil, &all)
	if len(all.Transfers) < 5 {
		t.Fatalf("the fixture has %d transfers", len(all.Transfers))
	}
	byID := `query($id: ID!) { transfer(id: $id) { id from to value blockNumber blockTimestamp } }`
	page := `query($to: Bytes!) { transfers(first: 3, where: {to: $to}, orderBy: value, orderDirection: desc) { id value to } }`
	var bodies [][]byte
	seen := map[string]bool{}
	for _, tr := range all.Transfers {
		bodies = append(bodies, gqlBody(byID, map[string]any{"id": tr.ID}))
		if !seen[tr.To] {
			seen[tr.To] = true
			bodies = append(bodies, gqlBody(page, map[string]any{"to": tr.To}))
		}
	}
	bodies = append(bodies,
		gqlBody(byID, map[string]any{"id": "0x" + fmt.Sprintf("%068x", 7)}),               // no such transfer
		gqlBody(page, map[string]any{"to": "0x00000000000000000000000000000000000000ff"})) // no transfers to it
	want := make([]answer, len(bodies))
	for i, b := range bodies {
		want[i] = do(t, fs.slow.url, b, nil)
	}

	const copies = 8
	for round := 1; ; round++ {
		got := make([]answer, copies*len(bodies))
		errs := make([]error, len(got))
		var wg sync.WaitGroup
		for i := range got {
			wg.Go(func() { got[i], errs[i] = fetch(fs.fast.url, bodies[i%len(bodies)]) })
		}
		wg.Wait()
		for i, a := range got {
			w := want[i%len(bodies)]
			switch {
			case errs[i] != nil:
				t.Fatalf("request %s: %v", bodies[i%len(bodies)], errs[i])
			case a.status != w.status || a.header != w.header || a.length != w.length || !bytes.Equal(a.body, w.body):
				t.Fatalf("answers differ for %s:\n merged %d %s %s %s\n  alone %d %s %s %s", bodies[i%len(bodies)],
					a.status, a.header, a.length, a.body, w.status, w.header, w.length, w.body)
			}
		}
		statements, reads := fs.counter(t, "rahat_graphql_merged_statements_total"), fs.counter(t, "rahat_graphql_merged_reads_total")
		if statements > 0 {
			if reads < 2*statements {
				t.Errorf("%v merged statements answered %v reads", statements, reads)
			}
			t.Logf("round %d: %v merged statements answered %v reads", round, statements, reads)
			return
		}
		if round == 50 {
			t.Fatalf("%d rounds of %d concurrent requests and nothing was merged", round, len(got))
		}
	}
}

// fetch is do for other goroutines than the test's: it returns its error.
func fetch(url string, body []byte) (answer, error) {
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	if !json.Valid(out) {
		return answer{}, fmt.Errorf("not JSON: %q", out)
	}
	h := resp.Header.Clone()
	h.Del("Date")
	return answer{resp.StatusCode, fmt.Sprint(h), resp.Header.Get("Content-Length"), out}, nil
}
