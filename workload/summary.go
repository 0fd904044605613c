package workload

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/rahataid/rahat/contracts"
)

// EventKey names an event of one of the contracts, e.g. {RahatProject, ClaimProcessed}.
type EventKey struct {
	Contract string
	Event    string
}

// String renders the key as Contract.Event.
func (k EventKey) String() string { return k.Contract + "." + k.Event }

// Summary is what a workload has done so far: the logs its confirmed transactions emitted, counted per
// contract and event (the counts are the workload's own expectation, checked against every receipt), and
// the contracts it created.
type Summary struct {
	// Events counts logs per contract and event.
	Events map[EventKey]int
	// Transactions counts confirmed successful transactions, ether transfers included.
	Transactions int
	// Failed counts transactions of the continuous phase that were skipped or reverted (the programme
	// before it stops at the first failure instead).
	Failed int
	// FirstBlock and LastBlock bound the blocks that hold them (both zero before the first).
	FirstBlock, LastBlock uint64
	// Tokens and Projects are the contracts created, in creation order.
	Tokens, Projects []common.Address
	// Beneficiaries counts registrations (walk-ins included); Removed counts removals.
	Beneficiaries, Removed int
	// Elapsed is the wall time of Run so far.
	Elapsed time.Duration
}

// Total returns the number of logs in Events.
func (s Summary) Total() int {
	n := 0
	for _, c := range s.Events {
		n += c
	}
	return n
}

// Keys returns the event keys with a non-zero count, sorted.
func (s Summary) Keys() []EventKey {
	return slices.SortedFunc(maps.Keys(s.Events), func(a, b EventKey) int {
		return cmp.Or(cmp.Compare(a.Contract, b.Contract), cmp.Compare(a.Event, b.Event))
	})
}

func (s Summary) clone() Summary {
	c := s
	c.Events = maps.Clone(s.Events)
	c.Tokens = slices.Clone(s.Tokens)
	c.Projects = slices.Clone(s.Projects)
	return c
}

// AllEvents returns every event of the four contracts, the set a full programme must cover.
func AllEvents() ([]EventKey, error) {
	var out []EventKey
	for _, name := range []string{contracts.RahatTreasury, contracts.RahatProjectFactory, contracts.RahatToken, contracts.RahatProject} {
		a, err := contracts.ABI(name)
		if err != nil {
			return nil, fmt.Errorf("reading ABI of %s: %w", name, err)
		}
		for _, ev := range slices.Sorted(maps.Keys(a.Events)) {
			out = append(out, EventKey{Contract: name, Event: ev})
		}
	}
	return out, nil
}

// eventTopics maps every event of the four contracts to its topic0.
func eventTopics() (map[EventKey]common.Hash, error) {
	out := map[EventKey]common.Hash{}
	for _, name := range []string{contracts.RahatTreasury, contracts.RahatProjectFactory, contracts.RahatToken, contracts.RahatProject} {
		a, err := contracts.ABI(name)
		if err != nil {
			return nil, fmt.Errorf("reading ABI of %s: %w", name, err)
		}
		for evName, ev := range a.Events {
			out[EventKey{Contract: name, Event: evName}] = ev.ID
		}
	}
	return out, nil
}
