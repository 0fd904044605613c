package indexer

import (
	"errors"
	"fmt"
	"testing"

	"github.com/ethereum/go-ethereum/rpc"
)

type rpcErr struct {
	code int
	msg  string
}

func (e rpcErr) Error() string  { return e.msg }
func (e rpcErr) ErrorCode() int { return e.code }

func TestParseRangeError(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err     error
		ok      bool
		suggest uint64
	}{
		{rpcErr{-32005, "query returned more than 10000 results. Try with this block range [0x1E8480, 0x1E8CBF]."}, true, 0x1E8CBF - 0x1E8480 + 1},
		{rpcErr{-32602, "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on the response size, or you can request any block range with a cap of 10K logs in the response. Based on your parameters, this block range should work: [0x10, 0x2f]"}, true, 32},
		{rpcErr{-32602, "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range"}, true, 2000},
		{rpcErr{-32000, "exceed maximum block range: 5000"}, true, 5000},
		{rpcErr{-32000, "eth_getLogs is limited to a 10,000 range"}, true, 10000},
		{rpcErr{-32000, "block range is too wide"}, true, 0},
		{rpcErr{-32005, "daily request count exceeded, request rate limited"}, false, 0},
		{rpcErr{-32000, "header not found"}, false, 0},
		{rpc.HTTPError{StatusCode: 413, Status: "413 Request Entity Too Large"}, true, 0},
		{errors.New("connection refused"), false, 0},
	}
	for _, tc := range cases {
		re, ok := parseRangeError(tc.err)
		if ok != tc.ok || (ok && re.suggest != tc.suggest) {
			t.Errorf("%v: ok %v suggest %v, want %v %v", tc.err, ok, re, tc.ok, tc.suggest)
		}
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want string
	}{
		{rpc.HTTPError{StatusCode: 429}, outcomeRateLimited},
		{rpc.HTTPError{StatusCode: 502}, outcomeServer},
		{rpcErr{-32005, "query returned more than"}, outcomeTooLarge},
		{rpcErr{-32005, "rate limit exceeded"}, outcomeRateLimited},
		{rpcErr{-32601, "method not found"}, outcomeInvalid},
		{rpcErr{-32000, "header not found"}, outcomeError},
		{fmt.Errorf("block 7: %w", &blockNotFound{rpcErr{-32000, "unknown block"}}), outcomeNotFound},
	} {
		if got := classify(tc.err); got != tc.want {
			t.Errorf("classify(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
}

func TestSizer(t *testing.T) {
	t.Parallel()
	var last uint64
	s := newSizer(1000, func(n uint64) { last = n })
	if got := s.tooLarge(1000, &rangeError{suggest: 100}); got != 100 || s.get() != 100 || last != 100 {
		t.Fatalf("after hint: split %d, size %d", got, s.get())
	}
	if got := s.tooLarge(100, &rangeError{}); got != 50 {
		t.Fatalf("halving: %d", got)
	}
	for range 4 * 20 {
		s.ok(s.get())
	}
	if s.get() != 1000 {
		t.Fatalf("did not grow back to the maximum: %d", s.get())
	}
}
