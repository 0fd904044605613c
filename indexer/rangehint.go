package indexer

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum/rpc"
)

// rangeError is a node's refusal of an eth_getLogs range as too large (too many results, response
// too big, block range over its limit), with the block count it suggests when its message has one.
type rangeError struct {
	from, to uint64
	suggest  uint64 // blocks the node suggests, 0 when it gave no hint
	err      error
}

func (e *rangeError) Error() string {
	return fmt.Sprintf("eth_getLogs %d-%d too large (hint %d blocks): %v", e.from, e.to, e.suggest, e.err)
}

func (e *rangeError) Unwrap() error { return e.err }

// Messages of the major nodes and providers for a range that is too large. Matched lower-cased.
var tooLargeMarkers = []string{
	"query returned more than",      // geth-style limit, Infura: "query returned more than 10000 results"
	"log response size exceeded",    // Alchemy
	"response size exceeded",        // various
	"response size should not",      // BSC nodes
	"exceed maximum block range",    // geth with a range limit
	"exceeds the range allowed",     // various
	"block range is too wide",       // Ankr, Chainstack
	"block range too large",         // various
	"range too large",               // various
	"block range limit",             // QuickNode, dRPC
	"too many blocks",               // various
	"is limited to a",               // QuickNode: "eth_getLogs is limited to a 10,000 range"
	"exceeded max allowed range",    // Base/Coinbase
	"logs matched by query exceeds", // Besu, Erigon
	"query exceeds max results",     // Blast, Nethermind
	"more than 10000 results",       // Infura
	"limit exceeded",                // some load balancers, only after the rate-limit check
}

var (
	hexPairRE  = regexp.MustCompile(`\[\s*(0x[0-9a-f]+)\s*,\s*(0x[0-9a-f]+)\s*\]`)
	decPairRE  = regexp.MustCompile(`\[\s*(\d+)\s*,\s*(\d+)\s*\]`)
	blockNumRE = regexp.MustCompile(`(?:block range|range limit|range of|limited to a|maximum block range|max range)[^0-9\[]{0,20}([0-9][0-9,]*)(k?)`)
	numBlockRE = regexp.MustCompile(`([0-9][0-9,]*)(k?)\s*(?:-\s*)?block(?:s)? range`)
)

// parseRangeError recognises a too-large answer and extracts the node's hint: a [from, to] pair
// (hex or decimal) or a block count ("up to a 2K block range", "maximum block range: 5000").
func parseRangeError(err error) (*rangeError, bool) {
	var re *rangeError
	if errors.As(err, &re) {
		return re, true
	}
	var he rpc.HTTPError
	msg := strings.ToLower(err.Error())
	if errors.As(err, &he) {
		if he.StatusCode == 413 {
			return &rangeError{err: err}, true
		}
		msg = strings.ToLower(string(he.Body))
	}
	if strings.Contains(msg, "rate limit") || strings.Contains(msg, "too many requests") {
		return nil, false
	}
	matched := false
	for _, m := range tooLargeMarkers {
		if strings.Contains(msg, m) {
			matched = true
			break
		}
	}
	if !matched {
		return nil, false
	}
	out := &rangeError{err: err}
	if m := hexPairRE.FindStringSubmatch(msg); m != nil {
		a, errA := strconv.ParseUint(m[1][2:], 16, 64)
		b, errB := strconv.ParseUint(m[2][2:], 16, 64)
		if errA == nil && errB == nil && b >= a {
			out.suggest = b - a + 1
		}
	} else if m := decPairRE.FindStringSubmatch(msg); m != nil {
		a, errA := strconv.ParseUint(m[1], 10, 64)
		b, errB := strconv.ParseUint(m[2], 10, 64)
		if errA == nil && errB == nil && b >= a {
			out.suggest = b - a + 1
		}
	} else if m := blockNumRE.FindStringSubmatch(msg); m != nil {
		out.suggest = parseCount(m[1], m[2])
	} else if m := numBlockRE.FindStringSubmatch(msg); m != nil {
		out.suggest = parseCount(m[1], m[2])
	}
	return out, true
}

func parseCount(digits, k string) uint64 {
	v, err := strconv.ParseUint(strings.ReplaceAll(digits, ",", ""), 10, 64)
	if err != nil {
		return 0
	}
	if k == "k" {
		v *= 1000
	}
	return v
}

// sizer is the adaptive eth_getLogs range shared by the fetchers: it shrinks to the node's hint
// (or halves) on a too-large answer and grows by a quarter after a run of successes, never above
// the configured maximum.
type sizer struct {
	mu     sync.Mutex
	size   uint64
	max    uint64
	streak int
	onSize func(uint64)
}

const growAfter = 4 // successes in a row before growing

func newSizer(maxSize uint64, onSize func(uint64)) *sizer {
	s := &sizer{size: maxSize, max: maxSize, onSize: onSize}
	onSize(maxSize)
	return s
}

func (s *sizer) get() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.size
}

// tooLarge records a refusal of a range of n blocks and returns the size to split it into.
func (s *sizer) tooLarge(n uint64, e *rangeError) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := n / 2
	if e.suggest > 0 && e.suggest < n {
		next = e.suggest
	}
	next = max(next, 1)
	if next < s.size {
		s.size = next
		s.onSize(next)
	}
	s.streak = 0
	return next
}

// ok records a successful range of n blocks.
func (s *sizer) ok(n uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n < s.size {
		return // a short tail range says nothing about the limit
	}
	s.streak++
	if s.streak >= growAfter && s.size < s.max {
		s.size = min(s.max, s.size+max(s.size/4, 1))
		s.streak = 0
		s.onSize(s.size)
	}
}
