package indexer

import (
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
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

// TestMayHold checks the logsBloom test that lets the unfinalised path skip blocks: a block may
// hold our log only if the bloom has one of our addresses and one of our topics; an empty bloom
// proves nothing.
func TestMayHold(t *testing.T) {
	t.Parallel()
	ours, other := common.HexToAddress("0x01"), common.HexToAddress("0x02")
	topic, otherTopic := common.HexToHash("0xaa"), common.HexToHash("0xbb")
	bloom := func(items ...[]byte) types.Bloom {
		var b types.Bloom
		for _, it := range items {
			b.Add(it)
		}
		return b
	}
	cases := []struct {
		name   string
		bloom  types.Bloom
		topics []common.Hash
		want   bool
	}{
		{"empty bloom", types.Bloom{}, []common.Hash{topic}, true},
		{"address and topic", bloom(ours.Bytes(), topic.Bytes()), []common.Hash{topic}, true},
		{"address only", bloom(ours.Bytes(), otherTopic.Bytes()), []common.Hash{topic}, false},
		{"topic only", bloom(other.Bytes(), topic.Bytes()), []common.Hash{topic}, false},
		{"neither", bloom(other.Bytes(), otherTopic.Bytes()), []common.Hash{topic}, false},
		{"no topic filter", bloom(ours.Bytes()), nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := mayHold(tc.bloom, []common.Address{ours}, tc.topics); got != tc.want {
				t.Fatalf("mayHold = %t, want %t", got, tc.want)
			}
		})
	}
}

// TestIsUnknownBlock recognises the answers nodes give to eth_getLogs by the hash of a block they
// do not have.
func TestIsUnknownBlock(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{rpcErr{-32000, "unknown block"}, true},
		{rpcErr{-32000, "block not found: 0x12"}, true},
		{rpcErr{-32001, "Block 0x12 could not be found"}, true},
		{rpcErr{-32601, "the method eth_getLogs does not exist/is not available: not found"}, false},
		{rpcErr{-32000, "internal error"}, false},
		{fmt.Errorf("dial tcp: connection refused"), false},
		{nil, false},
	} {
		if got := isUnknownBlock(tc.err); got != tc.want {
			t.Errorf("isUnknownBlock(%v) = %t, want %t", tc.err, got, tc.want)
		}
	}
}
