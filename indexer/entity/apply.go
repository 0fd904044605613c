package entity

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"

	"github.com/rahataid/rahat/indexer"
)

// Contract names as the manifest's sources name their ABIs (config.Source.Contract).
const (
	contractToken    = "RahatToken"
	contractTreasury = "RahatTreasury"
	contractFactory  = "RahatProjectFactory"
	contractProject  = "RahatProject"
)

// prepare collects the keys the events touch, resolves claim calls and loads the open versions.
// Parameters that fail to decode are skipped here; apply reports them.
func (b *batch) prepare(ctx context.Context, events []indexer.Event) error {
	var refs []TxRef
	seen := map[TxRef]bool{}
	benOf := func(ev *indexer.Event, name string, pos int) {
		if a, err := addrArg(ev, name, pos); err == nil {
			b.bens.need(pair{ev.Address, a})
		}
	}
	vendorOf := func(ev *indexer.Event, name string, pos int) {
		if a, err := addrArg(ev, name, pos); err == nil {
			b.vendors.need(pair{ev.Address, a})
		}
	}
	for i := range events {
		ev := &events[i]
		switch ev.Contract {
		case contractToken:
			b.tokens.need(ev.Address)
			if ev.Name == "Transfer" {
				for j, n := range []string{"from", "to"} {
					if a, err := addrArg(ev, n, j); err == nil && a != (common.Address{}) {
						b.balances.need(pair{ev.Address, a})
					}
				}
			}
		case contractTreasury:
			if ev.Name == "TokenCreated" {
				if a, err := addrArg(ev, "tokenAddress", 0); err == nil {
					b.tokens.need(a)
				}
			}
		case contractFactory:
			if ev.Name == "ProjectCreated" {
				if a, err := addrArg(ev, "projectAddress", 0); err == nil {
					b.projects.need(a)
				}
				if a, err := addrArg(ev, "tokenAddress", 1); err == nil {
					b.tokens.need(a)
				}
			}
		case contractProject:
			b.projects.need(ev.Address)
			switch ev.Name {
			case "BeneficiaryAdded", "BeneficiaryRemoved":
				benOf(ev, "", 0)
			case "TokensAllocated", "TokensDisbursed":
				benOf(ev, "beneficiary", 1)
			case "ClaimerUpdated":
				vendorOf(ev, "claimer", 0)
			case "ClaimCreated":
				if id, err := bigArg(ev, "claimId", 0); err == nil {
					b.claims.need(newClaimKey(ev.Address, id))
				}
				vendorOf(ev, "claimer", 1)
				benOf(ev, "claimee", 2)
			case "OtpAdded", "ClaimProcessed":
				ref := TxRef{BlockHash: ev.BlockHash, TxIndex: ev.TxIndex, Project: ev.Address}
				if !seen[ref] {
					seen[ref] = true
					refs = append(refs, ref)
				}
				benOf(ev, "beneficiary", 0)
				if ev.Name == "ClaimProcessed" {
					vendorOf(ev, "claimer", 1)
				}
			case "OfflineClaimProcessed", "WalkInBeneficiaryAdded":
				benOf(ev, "beneficiary", 0)
				vendorOf(ev, "vendor", 1)
			case "TokenRedeem":
				vendorOf(ev, "vendorAddress", 0)
			}
		}
	}
	var fallback []pair // (project, claimee) whose open claims the fallback matching needs
	if len(refs) > 0 {
		calls, err := b.h.chain.ClaimCalls(ctx, refs)
		if err != nil {
			return err
		}
		for i, ref := range refs {
			b.calls[ref] = calls[i]
			if calls[i].Found {
				b.claims.need(newClaimKey(ref.Project, calls[i].ClaimID))
			}
		}
		for i := range events {
			ev := &events[i]
			if ev.Contract != contractProject || (ev.Name != "OtpAdded" && ev.Name != "ClaimProcessed") {
				continue
			}
			if b.calls[TxRef{BlockHash: ev.BlockHash, TxIndex: ev.TxIndex, Project: ev.Address}].Found {
				continue
			}
			if a, err := addrArg(ev, "beneficiary", 0); err == nil {
				fallback = append(fallback, pair{ev.Address, a})
			}
		}
	}
	for _, load := range []func(context.Context, pgx.Tx, int64) error{
		b.tokens.load, b.projects.load, b.bens.load, b.vendors.load, b.claims.load, b.balances.load,
	} {
		if err := load(ctx, b.tx, b.chain); err != nil {
			return err
		}
	}
	if len(fallback) > 0 {
		args := append([]any{b.chain}, pairArrays(fallback)...)
		if err := b.claims.loadQuery(ctx, b.tx, loadOpenClaimsOfSQL, args); err != nil {
			return err
		}
	}
	return nil
}

// apply runs one event against the batch's state.
func (b *batch) apply(ctx context.Context, ev *indexer.Event) error {
	switch ev.Contract {
	case contractToken:
		return b.applyToken(ctx, ev)
	case contractTreasury:
		if ev.Name != "TokenCreated" {
			return nil // mints show as the token's Transfer events
		}
		a, err := addrArg(ev, "tokenAddress", 0)
		if err != nil {
			return err
		}
		e, v, err := b.token(ctx, a, ev)
		if err != nil {
			return err
		}
		v.treasury = &ev.Address
		b.tokens.put(a, e, int64(ev.BlockNumber), v)
	case contractFactory:
		if ev.Name != "ProjectCreated" {
			return nil
		}
		return b.projectCreated(ctx, ev)
	case contractProject:
		return b.applyProject(ctx, ev)
	}
	return nil
}

// token returns a token's entry and value, reading its metadata from the chain the first time.
func (b *batch) token(ctx context.Context, a common.Address, ev *indexer.Event) (*entry[token], token, error) {
	e, err := b.tokens.get(ctx, b.tx, b.chain, a)
	if err != nil || e.exists {
		return e, e.val, err
	}
	info, err := b.h.chain.TokenInfo(ctx, a, ev.BlockHash)
	if err != nil {
		return nil, token{}, fmt.Errorf("reading token %s: %w", a, err)
	}
	v := token{name: info.Name, symbol: info.Symbol, supply: new(big.Int), minted: new(big.Int), burnt: new(big.Int),
		firstBlock: int64(ev.BlockNumber)}
	if info.Decimals != nil {
		d := int16(*info.Decimals)
		v.decimals = &d
	}
	return e, v, nil
}

func (b *batch) balance(ctx context.Context, k pair) (*entry[balance], balance, error) {
	e, err := b.balances.get(ctx, b.tx, b.chain, k)
	if err != nil || e.exists {
		return e, e.val, err
	}
	return e, balance{balance: new(big.Int), received: new(big.Int), sent: new(big.Int)}, nil
}

func (b *batch) applyToken(ctx context.Context, ev *indexer.Event) error {
	blk := int64(ev.BlockNumber)
	te, tv, err := b.token(ctx, ev.Address, ev)
	if err != nil {
		return err
	}
	switch ev.Name {
	case "Transfer":
		from, err := addrArg(ev, "from", 0)
		if err != nil {
			return err
		}
		to, err := addrArg(ev, "to", 1)
		if err != nil {
			return err
		}
		value, err := bigArg(ev, "value", 2)
		if err != nil {
			return err
		}
		if from == (common.Address{}) {
			tv.supply, tv.minted = add(tv.supply, value), add(tv.minted, value)
		} else {
			k := pair{ev.Address, from}
			e, v, err := b.balance(ctx, k)
			if err != nil {
				return err
			}
			before := v.balance
			v.balance, v.sent = sub(before, value), add(v.sent, value)
			if before.Sign() > 0 && v.balance.Sign() <= 0 {
				tv.holders--
			}
			b.balances.put(k, e, blk, v)
		}
		if to == (common.Address{}) {
			tv.supply, tv.burnt = sub(tv.supply, value), add(tv.burnt, value)
		} else {
			k := pair{ev.Address, to}
			e, v, err := b.balance(ctx, k)
			if err != nil {
				return err
			}
			before := v.balance
			v.balance, v.received = add(before, value), add(v.received, value)
			if before.Sign() <= 0 && v.balance.Sign() > 0 {
				tv.holders++
			}
			b.balances.put(k, e, blk, v)
		}
		tv.transfers++
	case "OwnerAdded":
		tv.owners++
	case "OwnerRemoved":
		tv.owners--
	default:
		if te.exists {
			return nil // Approval and the like change no entity
		}
	}
	b.tokens.put(ev.Address, te, blk, tv)
	return nil
}

func (b *batch) projectCreated(ctx context.Context, ev *indexer.Event) error {
	blk := int64(ev.BlockNumber)
	pa, err := addrArg(ev, "projectAddress", 0)
	if err != nil {
		return err
	}
	ta, err := addrArg(ev, "tokenAddress", 1)
	if err != nil {
		return err
	}
	name, _ := arg(ev, "name", 2)
	te, tv, err := b.token(ctx, ta, ev)
	if err != nil {
		return err
	}
	if !te.exists {
		b.tokens.put(ta, te, blk, tv)
	}
	e, err := b.projects.get(ctx, b.tx, b.chain, pa)
	if err != nil {
		return err
	}
	v := e.val
	if !e.exists {
		v = newProject(blk)
	}
	if s, ok := name.(string); ok {
		v.name = &s
	}
	v.token, v.factory = &ta, &ev.Address
	b.projects.put(pa, e, blk, v)
	return nil
}

func newProject(block int64) project {
	z := func() *big.Int { return new(big.Int) }
	return project{budget: z(), budgetAdded: z(), allocated: z(), disbursed: z(), claimed: z(), offlineClaimed: z(),
		redeemed: z(), firstBlock: block}
}

// project returns a project's entry and value; a project never announced by ProjectCreated (a
// source with a fixed address) is described by the chain.
func (b *batch) project(ctx context.Context, ev *indexer.Event) (*entry[project], project, error) {
	e, err := b.projects.get(ctx, b.tx, b.chain, ev.Address)
	if err != nil || e.exists {
		return e, e.val, err
	}
	info, err := b.h.chain.ProjectInfo(ctx, ev.Address, ev.BlockHash)
	if err != nil {
		return nil, project{}, fmt.Errorf("reading project %s: %w", ev.Address, err)
	}
	v := newProject(int64(ev.BlockNumber))
	v.name, v.token = info.Name, info.Token
	return e, v, nil
}

func (b *batch) beneficiary(ctx context.Context, k pair, p *project, blk int64) (*entry[beneficiary], beneficiary, error) {
	e, err := b.bens.get(ctx, b.tx, b.chain, k)
	if err != nil || e.exists {
		return e, e.val, err
	}
	z := func() *big.Int { return new(big.Int) }
	return e, beneficiary{token: p.token, allocation: z(), claimed: z(), offlineClaimed: z(), disbursed: z(), firstBlock: blk}, nil
}

func (b *batch) vendor(ctx context.Context, k pair, p *project, blk int64) (*entry[vendor], vendor, error) {
	e, err := b.vendors.get(ctx, b.tx, b.chain, k)
	if err != nil || e.exists {
		return e, e.val, err
	}
	z := func() *big.Int { return new(big.Int) }
	return e, vendor{token: p.token, claimed: z(), offlineClaimed: z(), redeemed: z(), firstBlock: blk}, nil
}

// resolveClaim finds the claim an OtpAdded or ClaimProcessed event acts on: from the decoded call
// of its transaction, else by matching the open claims of the project. otp is the decoded
// addOtpToClaim call when the transaction was one, for the code's expiry.
func (b *batch) resolveClaim(ctx context.Context, ev *indexer.Event, claimee common.Address, claimer *common.Address,
	amount *big.Int, otpHash *common.Hash) (k claimKey, call ClaimCall, ok bool, err error) {
	call = b.calls[TxRef{BlockHash: ev.BlockHash, TxIndex: ev.TxIndex, Project: ev.Address}]
	want := "processClaim"
	if otpHash != nil {
		want = "addOtpToClaim"
	}
	if call.Found && call.Method == want {
		return newClaimKey(ev.Address, call.ClaimID), call, true, nil
	}
	var cands []claimKey
	for ck, e := range b.claims.m {
		c := &e.val
		if !e.exists || ck.project != ev.Address || c.state == stateProcessed || c.claimee != claimee ||
			c.amount.Cmp(amount) != 0 || (claimer != nil && c.claimer != *claimer) {
			continue
		}
		cands = append(cands, ck)
	}
	if len(cands) == 0 {
		return claimKey{}, ClaimCall{}, false, nil
	}
	if otpHash == nil {
		// processClaim needs a code that has not expired: prefer such claims, then any with a code,
		// and take the first the chain shows settled at the end of the block.
		rank := func(ck claimKey) int {
			c := &b.claims.m[ck].val
			switch {
			case c.state == stateCodeAdded && (c.expiresAt == nil || int64(ev.BlockTime) <= *c.expiresAt):
				return 0
			case c.state == stateCodeAdded:
				return 1
			}
			return 2
		}
		slices.SortFunc(cands, func(x, y claimKey) int {
			if r := rank(x) - rank(y); r != 0 {
				return r
			}
			return slices.Compare(x.id[:], y.id[:])
		})
		for _, ck := range cands {
			oc, ok, err := b.h.chain.Claim(ctx, ev.Address, ck.idBig(), ev.BlockHash)
			if err != nil {
				return claimKey{}, ClaimCall{}, false, err
			}
			if !ok {
				break
			}
			if oc.Settled {
				return ck, ClaimCall{}, true, nil
			}
		}
		return cands[0], ClaimCall{}, true, nil
	}
	slices.SortFunc(cands, func(x, y claimKey) int { return slices.Compare(x.id[:], y.id[:]) })
	chosen, call := cands[0], ClaimCall{}
	for i, ck := range cands {
		oc, ok, err := b.h.chain.Claim(ctx, ev.Address, ck.idBig(), ev.BlockHash)
		if err != nil {
			return claimKey{}, ClaimCall{}, false, err
		}
		if !ok {
			break
		}
		if oc.OtpHash == *otpHash || i == 0 {
			chosen, call = ck, ClaimCall{Found: true, Method: want, ClaimID: ck.idBig(), OtpHash: oc.OtpHash, ExpiresAt: oc.ExpiresAt}
			if oc.OtpHash == *otpHash {
				break
			}
		}
	}
	if call.Found && call.OtpHash != *otpHash {
		call.Found = false // the claim was read but its code was replaced later in the block: no expiry
	}
	return chosen, call, true, nil
}

func clampInt64(v uint64) int64 {
	if v > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(v)
}
