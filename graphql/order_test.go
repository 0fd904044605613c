package graphql_test

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"testing"
)

// orders are the orderBy values of Transfer and how the fixture sorts by them.
var orders = []struct {
	by  string
	cmp func(a, b transfer) int
}{
	{"", func(a, b transfer) int { return 0 }},
	{"value", func(a, b transfer) int { return cmp.Compare(a.value, b.value) }},
	{"blockNumber", func(a, b transfer) int { return cmp.Compare(a.block, b.block) }},
	{"blockTimestamp", func(a, b transfer) int { return cmp.Compare(a.ts, b.ts) }},
	{"from", func(a, b transfer) int { return bytes.Compare(a.from, b.from) }},
	{"to", func(a, b transfer) int { return bytes.Compare(a.to, b.to) }},
	{"contractAddress", func(a, b transfer) int { return bytes.Compare(a.contract, b.contract) }},
	{"id", func(a, b transfer) int { return bytes.Compare(a.id, b.id) }},
	{"transactionHash", func(a, b transfer) int { return bytes.Compare(a.id[:32], b.id[:32]) }},
	{"eventType", func(a, b transfer) int { return 0 }},
}

func orderArgs(by string, desc bool) string {
	s := ""
	if by != "" {
		s = "orderBy: " + by + ", "
	}
	if desc {
		s += "orderDirection: desc, "
	}
	return s
}

// TestOrderAndSkip checks every order in both directions, and skip windows, against the fixture
// sorted in Go (ties broken by block and log index, in the same direction).
func TestOrderAndSkip(t *testing.T) {
	t.Parallel()
	f := newEventFixture(t)
	for _, o := range orders {
		for _, desc := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s desc=%v", o.by, desc), func(t *testing.T) {
				t.Parallel()
				want := f.sortedIDs(o.cmp, desc)
				got := listIDs(t, f.c, "transfers", orderArgs(o.by, desc)+"first: 1000", nil)
				if !slices.Equal(got, want) {
					t.Fatalf("order:\n got  %v\n want %v", got, want)
				}
				for _, w := range [][2]int{{0, 5}, {5, 5}, {10, 5}, {3, 0}, {12, 10}, {0, 1}} {
					got := listIDs(t, f.c, "transfers", fmt.Sprintf("%sskip: %d, first: %d", orderArgs(o.by, desc), w[0], w[1]), nil)
					lo, hi := min(w[0], len(want)), min(w[0]+w[1], len(want))
					if !slices.Equal(got, want[lo:hi]) {
						t.Errorf("skip %d first %d: got %v, want %v", w[0], w[1], got, want[lo:hi])
					}
				}
			})
		}
	}
	t.Run("default first is 100", func(t *testing.T) {
		t.Parallel()
		if got := listIDs(t, f.c, "transfers", "", nil); len(got) != len(f.transfers) {
			t.Errorf("got %d rows", len(got))
		}
	})
}

type edgePage struct {
	Edges []struct {
		Cursor string
		Node   struct{ ID string }
	}
	Nodes    []struct{ ID string }
	PageInfo struct {
		HasNextPage, HasPreviousPage bool
		StartCursor, EndCursor       *string
	}
}

func connection(t *testing.T, c *client, args string) edgePage {
	t.Helper()
	var out struct{ C edgePage }
	c.data(t, `{ c: transfersConnection(`+args+`) { edges { cursor node { id } } nodes { id } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, nil, &out)
	if len(out.C.Nodes) != len(out.C.Edges) {
		t.Fatalf("%d nodes, %d edges", len(out.C.Nodes), len(out.C.Edges))
	}
	return out.C
}

func (p edgePage) ids() []string {
	out := []string{}
	for _, e := range p.Edges {
		out = append(out, e.Node.ID)
	}
	return out
}

// TestCursorPaging walks every order forward with after and backward with before, in pages of
// several sizes, and checks that the pages tile the full order exactly.
func TestCursorPaging(t *testing.T) {
	t.Parallel()
	f := newEventFixture(t)
	for _, o := range orders {
		for _, desc := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s desc=%v", o.by, desc), func(t *testing.T) {
				t.Parallel()
				want := f.sortedIDs(o.cmp, desc)
				for _, size := range []int{1, 5, 12, 100} {
					var got []string
					after := ""
					for page := 0; ; page++ {
						args := orderArgs(o.by, desc) + "first: " + strconv.Itoa(size)
						if after != "" {
							args += ", after: " + strconv.Quote(after)
						}
						p := connection(t, f.c, args)
						got = append(got, p.ids()...)
						if p.PageInfo.HasPreviousPage != (page > 0) {
							t.Errorf("page %d: hasPreviousPage %v", page, p.PageInfo.HasPreviousPage)
						}
						if !p.PageInfo.HasNextPage {
							break
						}
						after = *p.PageInfo.EndCursor
						if page > 20 {
							t.Fatal("paging does not end")
						}
					}
					if !slices.Equal(got, want) {
						t.Fatalf("forward, pages of %d:\n got  %v\n want %v", size, got, want)
					}
					// Backward from the end: before the last row's cursor.
					all := connection(t, f.c, orderArgs(o.by, desc)+"first: 1000")
					before := all.Edges[len(all.Edges)-1].Cursor
					back := []string{want[len(want)-1]}
					for {
						p := connection(t, f.c, orderArgs(o.by, desc)+"first: "+strconv.Itoa(size)+", before: "+strconv.Quote(before))
						back = append(p.ids(), back...)
						if !p.PageInfo.HasPreviousPage {
							break
						}
						before = *p.PageInfo.StartCursor
					}
					if !slices.Equal(back, want) {
						t.Fatalf("backward, pages of %d:\n got  %v\n want %v", size, back, want)
					}
				}
			})
		}
	}
}

// TestTheGraphKeysetPaging runs the query a TheGraph dashboard uses to page by time, unchanged:
// orderBy blockTimestamp desc, first, and the next page by blockTimestamp_lt of the last row.
func TestTheGraphKeysetPaging(t *testing.T) {
	t.Parallel()
	f := newEventFixture(t)
	const q = `query Transfers($first: Int!, $before: BigInt!) {
  transfers(first: $first, orderBy: blockTimestamp, orderDirection: desc, where: {blockTimestamp_lt: $before}) {
    id
    from
    to
    value
    blockNumber
    blockTimestamp
    transactionHash
  }
}`
	before := int64(1 << 40)
	pages := 0
	for {
		var out struct {
			Transfers []struct {
				ID, From, To, Value, BlockNumber, BlockTimestamp, TransactionHash string
			}
		}
		f.c.data(t, q, map[string]any{"first": 3, "before": strconv.FormatInt(before, 10)}, &out)
		// What TheGraph returns: rows older than before, newest first, ties in time by id... here by
		// block and log index, the order rahat documents for equal timestamps.
		var want []string
		for _, id := range f.sortedIDs(func(a, b transfer) int { return cmp.Compare(a.ts, b.ts) }, true) {
			for _, tr := range f.transfers {
				if hexOf(tr.id) == id && tr.ts < before && len(want) < 3 {
					want = append(want, id)
				}
			}
		}
		var got []string
		for _, tr := range out.Transfers {
			got = append(got, tr.ID)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("page %d: got %v, want %v", pages, got, want)
		}
		if len(out.Transfers) == 0 {
			break
		}
		before, _ = strconv.ParseInt(out.Transfers[len(out.Transfers)-1].BlockTimestamp, 10, 64)
		pages++
	}
	if pages < 3 {
		t.Errorf("only %d pages", pages)
	}
}
