package sms

import (
	"math/big"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/rahataid/rahat/indexer/entity"
)

// TestBalancesMatchEntity checks lineSQL, which reads the balance of several addresses in the
// statement of a balance check, against entity.BeneficiaryBalances, the indexer's own read,
// summed per token over the same addresses: for every number of the inbound world, through both
// statements that use it.
func TestBalancesMatchEntity(t *testing.T) {
	t.Parallel()
	b := inboundWorld(t, 1<<20)
	b.mine(offlineClaim(proj1, tokRHT, ben(1), rht(50)), mint(tokRHT, ben(6), rht(3)))
	for _, number := range []string{numEN, numNE, numTwo, numNone, numZero, numMulti, numFlood, numTwoAddr} {
		t.Run(number[len(number)-2:], func(t *testing.T) {
			hash, err := b.phones.Hash(number)
			if err != nil {
				t.Fatal(err)
			}
			f, err := b.svc.lookup(b.ctx, hash, true)
			if err != nil {
				t.Fatal(err)
			}
			want := entityLines(t, b, f.addrs)
			fromReplica, err := readBalances(b.ctx, b.db, testChain, f.addrs)
			if err != nil {
				t.Fatal(err)
			}
			for name, got := range map[string][]tokenLine{"answerSQL": f.lines, "balancesSQL": fromReplica} {
				if !slices.EqualFunc(got, want, equalLines) {
					t.Errorf("%s: %+v\nentity.BeneficiaryBalances: %+v", name, got, want)
				}
			}
		})
	}
	// An unknown number has no addresses and no lines.
	hash, _ := b.phones.Hash(numUnknown)
	if f, err := b.svc.lookup(b.ctx, hash, true); err != nil || f.lang != "" || len(f.addrs) != 0 || len(f.lines) != 0 {
		t.Fatalf("unknown number: %+v, %v", f, err)
	}
}

// entityLines sums entity.BeneficiaryBalances per token over addrs, as a reply shows them.
func entityLines(t *testing.T, b *bundle, addrs [][]byte) []tokenLine {
	t.Helper()
	byToken := map[common.Address]*tokenLine{}
	var order []common.Address
	for _, a := range addrs {
		tbs, err := entity.BeneficiaryBalances(b.ctx, b.db, testChain, common.BytesToAddress(a), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, tb := range tbs {
			l, ok := byToken[tb.Token]
			if !ok {
				l = &tokenLine{Symbol: symbolOf(tb.Symbol, tb.Token), Decimals: tb.Decimals,
					Available: new(big.Int), Allocated: new(big.Int), Received: new(big.Int), Claimed: new(big.Int)}
				byToken[tb.Token] = l
				order = append(order, tb.Token)
			}
			l.Available.Add(l.Available, tb.Available)
			l.Allocated.Add(l.Allocated, tb.Allocated)
			l.Received.Add(l.Received, tb.Received)
			l.Claimed.Add(l.Claimed, tb.Claimed)
		}
	}
	var lines []tokenLine
	for _, tok := range order {
		lines = append(lines, *byToken[tok])
	}
	sortLines(lines)
	return lines
}

func equalLines(a, b tokenLine) bool {
	return a.Symbol == b.Symbol && a.Decimals == b.Decimals && a.Available.Cmp(b.Available) == 0 &&
		a.Allocated.Cmp(b.Allocated) == 0 && a.Received.Cmp(b.Received) == 0 && a.Claimed.Cmp(b.Claimed) == 0
}

// TestLookupReadsBalanceOnlyWhenAnswered checks that answerSQL reads no balance for a message
// that gets none: help, and messages over the rate limit (a flood costs one index lookup each).
func TestLookupReadsBalanceOnlyWhenAnswered(t *testing.T) {
	t.Parallel()
	b := inboundWorld(t, 2)
	hash, err := b.phones.Hash(numEN)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		withBalance bool
		limit       limit
		lines       int
	}{
		{"help", false, underLimit, 0},
		{"balance", true, underLimit, 1},
		{"first over the limit", true, justOver, 0},
		{"silenced", true, silenced, 0},
	}
	for _, tt := range tests { // in order: each counts against the limit
		f, err := b.svc.lookup(b.ctx, hash, tt.withBalance)
		if err != nil {
			t.Fatal(err)
		}
		if f.limit != tt.limit || len(f.lines) != tt.lines || f.lang != langEN || len(f.addrs) != 1 {
			t.Errorf("%s: limit %v, %d lines, language %q, %d addresses; want limit %v, %d lines, en, 1 address",
				tt.name, f.limit, len(f.lines), f.lang, len(f.addrs), tt.limit, tt.lines)
		}
	}
}
