package graphql_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rahataid/rahat/graphql/internal/fixture"
)

// TestOperators runs every where operator of every field type against the fixture and compares
// with the rows a Go predicate selects.
func TestOperators(t *testing.T) {
	t.Parallel()
	f := newEventFixture(t)
	a := func(b byte) string { return hexOf(fixture.Addr(b)) }
	all := func(transfer) bool { return true }
	tr5 := f.transfers[5]
	cases := []struct {
		name  string
		where string
		keep  func(transfer) bool
	}{
		{"none", `{}`, all},
		// Bytes
		{"bytes eq", fmt.Sprintf(`{from: %q}`, a(1)), func(r transfer) bool { return r.from[19] == 1 }},
		{"bytes eq upper case no 0x", fmt.Sprintf(`{from: %q}`, strings.ToUpper(a(1)[2:])), func(r transfer) bool { return r.from[19] == 1 }},
		{"bytes not", fmt.Sprintf(`{from_not: %q}`, a(1)), func(r transfer) bool { return r.from[19] != 1 }},
		{"bytes gt", fmt.Sprintf(`{from_gt: %q}`, a(1)), func(r transfer) bool { return r.from[19] > 1 }},
		{"bytes gte", fmt.Sprintf(`{from_gte: %q}`, a(1)), func(r transfer) bool { return r.from[19] >= 1 }},
		{"bytes lt", fmt.Sprintf(`{from_lt: %q}`, a(1)), func(r transfer) bool { return r.from[19] < 1 }},
		{"bytes lte", fmt.Sprintf(`{from_lte: %q}`, a(1)), func(r transfer) bool { return r.from[19] <= 1 }},
		{"bytes in", fmt.Sprintf(`{to_in: [%q, %q]}`, a(10), a(13)), func(r transfer) bool { return r.to[19] == 10 || r.to[19] == 13 }},
		{"bytes not_in", fmt.Sprintf(`{to_not_in: [%q, %q]}`, a(10), a(13)), func(r transfer) bool { return r.to[19] != 10 && r.to[19] != 13 }},
		{"bytes in empty", `{to_in: []}`, func(transfer) bool { return false }},
		{"bytes contains", `{to_contains: "0x0d"}`, func(r transfer) bool { return r.to[19] == 13 }},
		{"bytes not_contains", `{to_not_contains: "0x0d"}`, func(r transfer) bool { return r.to[19] != 13 }},
		// BigInt on numeric
		{"bigint eq", `{value: "20"}`, func(r transfer) bool { return r.value == 20 }},
		{"bigint not", `{value_not: "20"}`, func(r transfer) bool { return r.value != 20 }},
		{"bigint gt", `{value_gt: "20"}`, func(r transfer) bool { return r.value > 20 }},
		{"bigint gte", `{value_gte: "20"}`, func(r transfer) bool { return r.value >= 20 }},
		{"bigint lt", `{value_lt: "20"}`, func(r transfer) bool { return r.value < 20 }},
		{"bigint lte", `{value_lte: "20"}`, func(r transfer) bool { return r.value <= 20 }},
		{"bigint in", `{value_in: ["0", "40"]}`, func(r transfer) bool { return r.value == 0 || r.value == 40 }},
		{"bigint not_in", `{value_not_in: ["0", "40"]}`, func(r transfer) bool { return r.value != 0 && r.value != 40 }},
		{"bigint huge", `{value_lt: "115792089237316195423570985008687907853269984665640564039457584007913129639935"}`, all},
		// BigInt on int8 (block number, block time): beyond int8 must still compare right.
		{"block gt", `{blockNumber_gt: "102"}`, func(r transfer) bool { return r.block > 102 }},
		{"block lte", `{blockNumber_lte: "102"}`, func(r transfer) bool { return r.block <= 102 }},
		{"block in", `{blockNumber_in: ["101", "104", "99999999999999999999999"]}`, func(r transfer) bool { return r.block == 101 || r.block == 104 }},
		{"block gt huge", `{blockNumber_gt: "99999999999999999999999"}`, func(transfer) bool { return false }},
		{"block lt huge", `{blockNumber_lt: "99999999999999999999999"}`, all},
		{"time gte", fmt.Sprintf(`{blockTimestamp_gte: "%d"}`, ts(103)), func(r transfer) bool { return r.ts >= ts(103) }},
		{"contract", fmt.Sprintf(`{contractAddress: %q}`, a(9)), func(r transfer) bool { return r.contract[19] == 9 }},
		{"transaction", fmt.Sprintf(`{transactionHash: %q}`, hexOf(tr5.id[:32])), func(r transfer) bool { return bytes.Equal(r.id, tr5.id) }},
		// id
		{"id eq", fmt.Sprintf(`{id: %q}`, hexOf(tr5.id)), func(r transfer) bool { return bytes.Equal(r.id, tr5.id) }},
		{"id not", fmt.Sprintf(`{id_not: %q}`, hexOf(tr5.id)), func(r transfer) bool { return !bytes.Equal(r.id, tr5.id) }},
		{"id wrong length", `{id: "0x1234"}`, func(transfer) bool { return false }},
		{"id in", fmt.Sprintf(`{id_in: [%q, %q, "0x12"]}`, hexOf(tr5.id), hexOf(f.transfers[0].id)), func(r transfer) bool {
			return bytes.Equal(r.id, tr5.id) || bytes.Equal(r.id, f.transfers[0].id)
		}},
		{"id not_in", fmt.Sprintf(`{id_not_in: [%q]}`, hexOf(tr5.id)), func(r transfer) bool { return !bytes.Equal(r.id, tr5.id) }},
		{"id gt", fmt.Sprintf(`{id_gt: %q}`, hexOf(tr5.id)), func(r transfer) bool { return bytes.Compare(r.id, tr5.id) > 0 }},
		{"id gte", fmt.Sprintf(`{id_gte: %q}`, hexOf(tr5.id)), func(r transfer) bool { return bytes.Compare(r.id, tr5.id) >= 0 }},
		{"id lt", fmt.Sprintf(`{id_lt: %q}`, hexOf(tr5.id)), func(r transfer) bool { return bytes.Compare(r.id, tr5.id) < 0 }},
		{"id lte", fmt.Sprintf(`{id_lte: %q}`, hexOf(tr5.id)), func(r transfer) bool { return bytes.Compare(r.id, tr5.id) <= 0 }},
		{"id gt prefix", fmt.Sprintf(`{id_gt: %q}`, hexOf(tr5.id[:20])), func(r transfer) bool { return bytes.Compare(r.id, tr5.id[:20]) > 0 }},
		{"id contains", fmt.Sprintf(`{id_contains: %q}`, hexOf(tr5.id[30:])), func(r transfer) bool { return bytes.Contains(r.id, tr5.id[30:]) }},
		{"id not_contains", fmt.Sprintf(`{id_not_contains: %q}`, hexOf(tr5.id[30:])), func(r transfer) bool { return !bytes.Contains(r.id, tr5.id[30:]) }},
		// eventType (a constant)
		{"eventType", `{eventType: "Transfer"}`, all},
		{"eventType not", `{eventType_not: "Transfer"}`, func(transfer) bool { return false }},
		{"eventType in", `{eventType_in: ["Approval", "Transfer"]}`, all},
		{"eventType not_in", `{eventType_not_in: ["Transfer"]}`, func(transfer) bool { return false }},
		// and, or, nesting, several keys
		{"implicit and", `{value_gte: "10", from: "` + a(2) + `"}`, func(r transfer) bool { return r.value >= 10 && r.from[19] == 2 }},
		{"and", `{and: [{value_gte: "10"}, {value_lte: "30"}]}`, func(r transfer) bool { return r.value >= 10 && r.value <= 30 }},
		{"or", `{or: [{value: "0"}, {from: "` + a(2) + `"}]}`, func(r transfer) bool { return r.value == 0 || r.from[19] == 2 }},
		{"or of and", `{or: [{and: [{value: "10"}, {blockNumber: "100"}]}, {value: "40"}]}`, func(r transfer) bool {
			return (r.value == 10 && r.block == 100) || r.value == 40
		}},
		{"and with or", `{blockNumber_gte: "102", or: [{value: "0"}, {value: "20"}]}`, func(r transfer) bool {
			return r.block >= 102 && (r.value == 0 || r.value == 20)
		}},
		{"change block", `{_change_block: {number_gte: 104}}`, func(r transfer) bool { return r.block >= 104 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := listIDs(t, f.c, "transfers", "first: 1000, where: "+tc.where, nil)
			want := f.ids(tc.keep)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("where %s:\n got  %v\n want %v", tc.where, got, want)
			}
		})
	}
	t.Run("where as a variable", func(t *testing.T) {
		t.Parallel()
		got := listIDs(t, f.c, "transfers", "first: 1000, where: $where", map[string]any{"where": map[string]any{"value_in": []string{"10", "30"}}})
		want := f.ids(func(r transfer) bool { return r.value == 10 || r.value == 30 })
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

// TestStringAndBooleanOperators covers String (ProjectCreated.name) and Boolean
// (ClaimerUpdated.approved).
func TestStringAndBooleanOperators(t *testing.T) {
	t.Parallel()
	f := newEventFixture(t)
	cases := []struct {
		where string
		keep  func(string) bool
	}{
		{`{name: "Bardiya"}`, func(s string) bool { return s == "Bardiya" }},
		{`{name_not: "Bardiya"}`, func(s string) bool { return s != "Bardiya" }},
		{`{name_gt: "S"}`, func(s string) bool { return s > "S" }},
		{`{name_gte: "Saptari Cash"}`, func(s string) bool { return s >= "Saptari Cash" }},
		{`{name_lt: "S"}`, func(s string) bool { return s < "S" }},
		{`{name_lte: "Saptari Cash"}`, func(s string) bool { return s <= "Saptari Cash" }},
		{`{name_in: ["Bardiya", "nope"]}`, func(s string) bool { return s == "Bardiya" }},
		{`{name_not_in: ["Bardiya"]}`, func(s string) bool { return s != "Bardiya" }},
		{`{name_contains: "Cash"}`, func(s string) bool { return strings.Contains(s, "Cash") }},
		{`{name_contains_nocase: "cash"}`, func(s string) bool { return strings.Contains(strings.ToLower(s), "cash") }},
		{`{name_not_contains: "Cash"}`, func(s string) bool { return !strings.Contains(s, "Cash") }},
		{`{name_not_contains_nocase: "CASH"}`, func(s string) bool { return !strings.Contains(strings.ToLower(s), "cash") }},
		{`{name_contains: "%"}`, func(s string) bool { return false }},
		{`{name_contains: "ïc"}`, func(s string) bool { return strings.Contains(s, "ïc") }},
		{`{name_starts_with: "Sir"}`, func(s string) bool { return strings.HasPrefix(s, "Sir") }},
		{`{name_starts_with_nocase: "sir"}`, func(s string) bool { return strings.HasPrefix(strings.ToLower(s), "sir") }},
		{`{name_not_starts_with: "Sir"}`, func(s string) bool { return !strings.HasPrefix(s, "Sir") }},
		{`{name_not_starts_with_nocase: "SIR"}`, func(s string) bool { return !strings.HasPrefix(strings.ToLower(s), "sir") }},
		{`{name_ends_with: "Cash"}`, func(s string) bool { return strings.HasSuffix(s, "Cash") }},
		{`{name_ends_with_nocase: "CASH"}`, func(s string) bool { return strings.HasSuffix(strings.ToLower(s), "cash") }},
		{`{name_not_ends_with: "Cash"}`, func(s string) bool { return !strings.HasSuffix(s, "Cash") }},
		{`{name_not_ends_with_nocase: "cash"}`, func(s string) bool { return !strings.HasSuffix(strings.ToLower(s), "cash") }},
	}
	for _, tc := range cases {
		t.Run(tc.where, func(t *testing.T) {
			t.Parallel()
			var out struct {
				Items []struct{ Name string } `json:"items"`
			}
			f.c.data(t, `{ items: projectCreateds(first: 1000, orderBy: name, where: `+tc.where+`) { name } }`, nil, &out)
			got := []string{}
			for _, r := range out.Items {
				got = append(got, r.Name)
			}
			want := []string{}
			for _, n := range projectNames {
				if tc.keep(n) {
					want = append(want, n)
				}
			}
			slices.Sort(want) // Postgres' order under the test cluster's C collation
			if !slices.Equal(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
	bools := []struct {
		where string
		want  int
	}{
		{`{approved: true}`, 3}, {`{approved: false}`, 2}, {`{approved_not: true}`, 2},
		{`{approved_in: [true, false]}`, 5}, {`{approved_not_in: [true]}`, 2},
	}
	for _, tc := range bools {
		t.Run(tc.where, func(t *testing.T) {
			t.Parallel()
			if got := listIDs(t, f.c, "claimerUpdateds", "where: "+tc.where, nil); len(got) != tc.want {
				t.Errorf("got %d rows, want %d", len(got), tc.want)
			}
		})
	}
}
