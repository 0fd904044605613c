package indexer

import (
	"fmt"
	"testing"
)

// TestMergeRecords checks the merge a supplement uses: (block, log index) order, one record per
// position, the first list winning a tie.
func TestMergeRecords(t *testing.T) {
	t.Parallel()
	rec := func(block uint64, index uint, from string) record {
		return record{block: block, index: index, row: []any{from}}
	}
	cases := []struct {
		name string
		a, b []record
		want string
	}{
		{"empty", nil, nil, ""},
		{"only a", []record{rec(1, 0, "a"), rec(2, 3, "a")}, nil, "1/0a 2/3a "},
		{"only b", nil, []record{rec(5, 1, "b")}, "5/1b "},
		{"interleaved", []record{rec(1, 0, "a"), rec(3, 0, "a")}, []record{rec(1, 1, "b"), rec(2, 0, "b"), rec(4, 2, "b")},
			"1/0a 1/1b 2/0b 3/0a 4/2b "},
		{"duplicate position", []record{rec(2, 5, "a")}, []record{rec(2, 5, "b"), rec(2, 6, "b")}, "2/5a 2/6b "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := ""
			for _, r := range mergeRecords(tc.a, tc.b) {
				got += fmt.Sprintf("%d/%d%s ", r.block, r.index, r.row[0])
			}
			if got != tc.want {
				t.Fatalf("mergeRecords = %q, want %q", got, tc.want)
			}
		})
	}
}
