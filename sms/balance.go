package sms

import (
	"cmp"
	"context"
	"math/big"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/rahataid/rahat/indexer/entity"
)

// registration is one reg_beneficiaries row of a phone.
type registration struct {
	ID       int64
	Address  common.Address
	Language string
}

// balances returns what the beneficiary behind regs has, one line per token. A phone registered
// in several projects is one person: its balances are summed per token over the distinct
// addresses of its registrations (entity.BeneficiaryBalances already sums an address's projects),
// so the reply says how much of each token the person can spend, which is what they ask.
func (s *Service) balances(ctx context.Context, regs []registration) ([]tokenLine, error) {
	seen := map[common.Address]bool{}
	byToken := map[common.Address]*tokenLine{}
	var order []common.Address
	for _, r := range regs {
		if seen[r.Address] {
			continue
		}
		seen[r.Address] = true
		tbs, err := entity.BeneficiaryBalances(ctx, s.read, s.cfg.ChainID, r.Address, nil)
		if err != nil {
			return nil, err
		}
		for _, tb := range tbs {
			l, ok := byToken[tb.Token]
			if !ok {
				l = &tokenLine{Symbol: symbolOf(tb.Symbol, tb.Token), Decimals: tb.Decimals,
					Available: new(big.Int), Allocated: new(big.Int), Received: new(big.Int), Claimed: new(big.Int)}
				byToken[tb.Token] = l
				order = append(order, tb.Token)
			}
			addTo(l.Available, tb.Available)
			addTo(l.Allocated, tb.Allocated)
			addTo(l.Received, tb.Received)
			addTo(l.Claimed, tb.Claimed)
		}
	}
	lines := make([]tokenLine, 0, len(order))
	for _, t := range order {
		lines = append(lines, *byToken[t])
	}
	slices.SortStableFunc(lines, func(a, b tokenLine) int { return cmp.Compare(a.Symbol, b.Symbol) })
	return lines, nil
}

func addTo(dst, v *big.Int) {
	if v != nil {
		dst.Add(dst, v)
	}
}

// symbolOf is a token's symbol, or a short form of its address when the token has none. Symbols
// come from contracts and go into an SMS: control characters and spaces are dropped and the
// length is capped.
func symbolOf(symbol string, token common.Address) string {
	symbol = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, symbol)
	if r := []rune(symbol); len(r) > 11 {
		symbol = string(r[:11])
	}
	if symbol == "" {
		return token.Hex()[:8]
	}
	return symbol
}
