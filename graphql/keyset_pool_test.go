package graphql_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/graphql"
)

// TestKeysetPagesOnKeysetPool: with a keyset pool, every connection page after (or before) a
// cursor reads through it and nothing else does; the pages are those of a server without one.
func TestKeysetPagesOnKeysetPool(t *testing.T) {
	t.Parallel()
	f := newEventFixture(t)
	pc, err := pgxpool.ParseConfig(f.db.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	pc.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan" // as store.PoolConfig.GenericPlans
	log := &sqlLog{}
	pc.ConnConfig.Tracer = log
	keyset, err := pgxpool.NewWithConfig(t.Context(), pc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(keyset.Close)
	withPool := serve(t, f.db, func(c *graphql.Config) { c.KeysetDB = keyset })
	without := serve(t, f.db, nil)

	reads := func() int {
		log.mu.Lock()
		defer log.mu.Unlock()
		n := 0
		for _, s := range log.sql {
			if strings.Contains(s, "evt_rahat_token_transfer") {
				n++
			}
		}
		log.sql = nil
		return n
	}
	type page struct {
		TransfersConnection struct {
			Nodes    []struct{ ID string }
			PageInfo struct {
				HasNextPage, HasPreviousPage bool
				StartCursor, EndCursor       string
			}
		}
	}
	read := func(c *client, args string) (page, string) {
		var p page
		q := fmt.Sprintf(`{ transfersConnection(first: 3, orderBy: value, orderDirection: desc%s) { nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, args)
		c.data(t, q, nil, &p)
		return p, fmt.Sprint(p)
	}
	p, got := read(withPool, "")
	if _, want := read(without, ""); got != want {
		t.Fatalf("first page:\n got %s\nwant %s", got, want)
	}
	if n := reads(); n != 0 {
		t.Fatalf("the first page read through the keyset pool (%d statements)", n)
	}
	pages := 1
	for p.TransfersConnection.PageInfo.HasNextPage {
		after := fmt.Sprintf(`, after: %q`, p.TransfersConnection.PageInfo.EndCursor)
		p, got = read(withPool, after)
		if _, want := read(without, after); got != want {
			t.Fatalf("page %d:\n got %s\nwant %s", pages+1, got, want)
		}
		pages++
		if n := reads(); n != 1 {
			t.Fatalf("page %d: %d statements on the keyset pool, want 1", pages, n)
		}
	}
	if pages < 3 {
		t.Fatalf("only %d pages", pages)
	}
	before := fmt.Sprintf(`, before: %q`, p.TransfersConnection.PageInfo.StartCursor)
	_, got = read(withPool, before)
	if _, want := read(without, before); got != want {
		t.Fatalf("page before:\n got %s\nwant %s", got, want)
	}
	if n := reads(); n != 1 {
		t.Fatalf("page before a cursor: %d statements on the keyset pool, want 1", n)
	}
}
