package entity

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strconv"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/jackc/pgx/v5"

	"github.com/rahataid/rahat/contracts"
)

// Mismatch is one difference between an entity and what the chain (or the entities' own
// arithmetic) says.
type Mismatch struct {
	Entity  string // the table, e.g. "ent_balances"
	Key     string // the entity's key, e.g. "token=0x… holder=0x…"
	Field   string // the column or the contract getter compared
	Indexed string // the indexed value
	Chain   string // the chain's value (or, for consistency checks, the value derived from other rows)
}

func (m Mismatch) String() string {
	return fmt.Sprintf("%s %s %s: indexed %s, chain %s", m.Entity, m.Key, m.Field, m.Indexed, m.Chain)
}

// checkBatch is how many eth_calls go in one JSON-RPC batch (geth allows 1000 by default).
const checkBatch = 500

// probe is one eth_call and the indexed value its result must render to.
type probe struct {
	entity, key, field string
	to                 common.Address
	abi                *abi.ABI
	method             string
	args               []any
	want               string
	render             func([]any) string // nil renders the first output
}

// Check compares the entity versions valid at atBlock with the chain's state at atBlock, read with
// eth_call: every token's metadata, totalSupply and ownerCount; balanceOf of every known holder;
// every project's name, token, tokenBudget, totalAllocated, beneficiaryCount and claimCount;
// isBeneficiary and allocation of every beneficiary; isVendor and wasVendor of every vendor;
// claims(id) of every claim; the token and project counts of treasuries and factories. It also
// checks the entities' own sums (balances against supply, holder, beneficiary, vendor and claim
// counts). The node must have the state of atBlock (any recent block, or an archive node).
func Check(ctx context.Context, db Querier, client *ethclient.Client, chainID, atBlock uint64) ([]Mismatch, error) {
	abis := map[string]*abi.ABI{}
	for _, n := range []string{contractToken, contractTreasury, contractFactory, contractProject} {
		a, err := contracts.ABI(n)
		if err != nil {
			return nil, fmt.Errorf("loading ABI %s: %w", n, err)
		}
		abis[n] = &a
	}
	tokABI, projABI := abis[contractToken], abis[contractProject]
	chain, at := int64(chainID), int64(atBlock)
	where := ` WHERE chain_id = $1 AND block_range @> $2::int8`

	tokens, err := readAt(ctx, db, selectTokens+where, chain, at, tokenSpec().scan)
	if err != nil {
		return nil, err
	}
	projects, err := readAt(ctx, db, selectProjects+where, chain, at, projectSpec().scan)
	if err != nil {
		return nil, err
	}
	bens, err := readAt(ctx, db, selectBeneficiaries+where, chain, at, beneficiarySpec().scan)
	if err != nil {
		return nil, err
	}
	vendors, err := readAt(ctx, db, selectVendors+where, chain, at, vendorSpec().scan)
	if err != nil {
		return nil, err
	}
	claims, err := readAt(ctx, db, selectClaims+where, chain, at, scanClaim)
	if err != nil {
		return nil, err
	}
	balances, err := readAt(ctx, db, selectBalances+where, chain, at, balanceSpec().scan)
	if err != nil {
		return nil, err
	}

	var out []Mismatch
	var probes []probe
	derived := func(entity, key, field string, indexed, want any) {
		if s, w := fmt.Sprint(indexed), fmt.Sprint(want); s != w {
			out = append(out, Mismatch{Entity: entity, Key: key, Field: field, Indexed: s, Chain: w + " (derived)"})
		}
	}

	// Every entity another one refers to must exist.
	tokenSet, projectSet := map[common.Address]bool{}, map[common.Address]bool{}
	for _, t := range tokens {
		tokenSet[t.k] = true
	}
	for _, p := range projects {
		projectSet[p.k] = true
		if p.v.token != nil {
			derived("ent_projects", "address="+p.k.Hex(), "token entity", tokenSet[*p.v.token], true)
		}
	}
	for _, b := range balances {
		derived("ent_balances", "token="+b.k.a.Hex()+" holder="+b.k.b.Hex(), "token entity", tokenSet[b.k.a], true)
	}
	for _, b := range bens {
		derived("ent_beneficiaries", "project="+b.k.a.Hex()+" address="+b.k.b.Hex(), "project entity", projectSet[b.k.a], true)
	}
	for _, v := range vendors {
		derived("ent_vendors", "project="+v.k.a.Hex()+" address="+v.k.b.Hex(), "project entity", projectSet[v.k.a], true)
	}
	for _, c := range claims {
		derived("ent_claims", "project="+c.k.project.Hex()+" id="+c.k.idBig().String(), "project entity", projectSet[c.k.project], true)
	}

	// Tokens, their balances, and treasuries.
	supplySum := map[common.Address]*big.Int{}
	holders := map[common.Address]int64{}
	for _, b := range balances {
		key := "token=" + b.k.a.Hex() + " holder=" + b.k.b.Hex()
		probes = append(probes, probe{entity: "ent_balances", key: key, field: "balanceOf", to: b.k.a, abi: tokABI,
			method: "balanceOf", args: []any{b.k.b}, want: b.v.balance.String()})
		supplySum[b.k.a] = add(orZero(supplySum[b.k.a]), b.v.balance)
		if b.v.balance.Sign() > 0 {
			holders[b.k.a]++
		}
	}
	treasuryTokens := map[common.Address]int64{}
	for _, t := range tokens {
		key, v := "address="+t.k.Hex(), t.v
		probes = append(probes,
			probe{entity: "ent_tokens", key: key, field: "totalSupply", to: t.k, abi: tokABI, method: "totalSupply", want: v.supply.String()},
			probe{entity: "ent_tokens", key: key, field: "ownerCount", to: t.k, abi: tokABI, method: "ownerCount", want: strconv.FormatInt(v.owners, 10)})
		if v.name != nil {
			probes = append(probes, probe{entity: "ent_tokens", key: key, field: "name", to: t.k, abi: tokABI, method: "name", want: strconv.Quote(*v.name)})
		}
		if v.symbol != nil {
			probes = append(probes, probe{entity: "ent_tokens", key: key, field: "symbol", to: t.k, abi: tokABI, method: "symbol", want: strconv.Quote(*v.symbol)})
		}
		if v.decimals != nil {
			probes = append(probes, probe{entity: "ent_tokens", key: key, field: "decimals", to: t.k, abi: tokABI, method: "decimals", want: strconv.Itoa(int(*v.decimals))})
		}
		derived("ent_tokens", key, "total_supply vs sum(ent_balances.balance)", v.supply, orZero(supplySum[t.k]))
		derived("ent_tokens", key, "holder_count vs count(balance > 0)", v.holders, holders[t.k])
		if v.treasury != nil {
			treasuryTokens[*v.treasury]++
		}
	}
	for tr, n := range treasuryTokens {
		probes = append(probes, probe{entity: "ent_tokens", key: "treasury=" + tr.Hex(), field: "tokenCount", to: tr,
			abi: abis[contractTreasury], method: "tokenCount", want: strconv.FormatInt(n, 10)})
	}

	// Projects, beneficiaries, vendors, claims.
	active, approved, claimCount := map[common.Address]int64{}, map[common.Address]int64{}, map[common.Address]int64{}
	allocSum := map[common.Address]*big.Int{}
	for _, b := range bens {
		key := "project=" + b.k.a.Hex() + " address=" + b.k.b.Hex()
		probes = append(probes,
			probe{entity: "ent_beneficiaries", key: key, field: "isBeneficiary", to: b.k.a, abi: projABI, method: "isBeneficiary",
				args: []any{b.k.b}, want: strconv.FormatBool(b.v.active)},
			probe{entity: "ent_beneficiaries", key: key, field: "allocation", to: b.k.a, abi: projABI, method: "allocation",
				args: []any{b.k.b}, want: b.v.allocation.String()})
		if b.v.active {
			active[b.k.a]++
		}
		allocSum[b.k.a] = add(orZero(allocSum[b.k.a]), b.v.allocation)
	}
	for _, v := range vendors {
		key := "project=" + v.k.a.Hex() + " address=" + v.k.b.Hex()
		probes = append(probes,
			probe{entity: "ent_vendors", key: key, field: "isVendor", to: v.k.a, abi: projABI, method: "isVendor",
				args: []any{v.k.b}, want: strconv.FormatBool(v.v.approved)},
			probe{entity: "ent_vendors", key: key, field: "wasVendor", to: v.k.a, abi: projABI, method: "wasVendor",
				args: []any{v.k.b}, want: strconv.FormatBool(v.v.everApproved)})
		if v.v.approved {
			approved[v.k.a]++
		}
	}
	for _, c := range claims {
		probes = append(probes, probe{entity: "ent_claims", key: "project=" + c.k.project.Hex() + " id=" + c.k.idBig().String(),
			field: "claims", to: c.k.project, abi: projABI, method: "claims", args: []any{c.k.idBig()},
			want: renderClaim(indexedClaim(c.v)), render: func(vals []any) string {
				oc, err := claimFromValues(vals)
				if err != nil {
					return err.Error()
				}
				return renderClaim(oc)
			}})
		claimCount[c.k.project]++
	}
	factoryProjects := map[common.Address]int64{}
	for _, p := range projects {
		key, v := "address="+p.k.Hex(), p.v
		for _, pr := range []struct {
			method string
			want   string
		}{
			{"tokenBudget", v.budget.String()}, {"totalAllocated", v.allocated.String()},
			{"beneficiaryCount", strconv.FormatInt(v.beneficiaries, 10)}, {"claimCount", strconv.FormatInt(v.claims, 10)},
		} {
			probes = append(probes, probe{entity: "ent_projects", key: key, field: pr.method, to: p.k, abi: projABI, method: pr.method, want: pr.want})
		}
		if v.name != nil {
			probes = append(probes, probe{entity: "ent_projects", key: key, field: "name", to: p.k, abi: projABI, method: "name", want: strconv.Quote(*v.name)})
		}
		if v.token != nil {
			probes = append(probes, probe{entity: "ent_projects", key: key, field: "token", to: p.k, abi: projABI, method: "token", want: v.token.Hex()})
		}
		derived("ent_projects", key, "beneficiary_count vs count(active)", v.beneficiaries, active[p.k])
		derived("ent_projects", key, "vendor_count vs count(approved)", v.vendors, approved[p.k])
		derived("ent_projects", key, "claim_count vs count(ent_claims)", v.claims, claimCount[p.k])
		derived("ent_projects", key, "allocated vs sum(allocation)", v.allocated, orZero(allocSum[p.k]))
		if v.factory != nil {
			factoryProjects[*v.factory]++
		}
	}
	for f, n := range factoryProjects {
		probes = append(probes, probe{entity: "ent_projects", key: "factory=" + f.Hex(), field: "projectCount", to: f,
			abi: abis[contractFactory], method: "projectCount", want: strconv.FormatInt(n, 10)})
	}

	got, err := runProbes(ctx, client, probes, atBlock)
	if err != nil {
		return nil, err
	}
	return append(out, got...), nil
}

type kv[K, V any] struct {
	k K
	v V
}

func readAt[K, V any](ctx context.Context, q Querier, query string, chain, at int64, scan func(scanner) (K, V, int64, error)) ([]kv[K, V], error) {
	rows, err := q.Query(ctx, query, chain, at)
	if err != nil {
		return nil, fmt.Errorf("reading entities at block %d: %w", at, err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (kv[K, V], error) {
		k, v, _, err := scan(row)
		return kv[K, V]{k, v}, err
	})
}

func orZero(b *big.Int) *big.Int {
	if b == nil {
		return new(big.Int)
	}
	return b
}

// indexedClaim is what claims(id) should return for an indexed claim.
func indexedClaim(c claim) OnchainClaim {
	oc := OnchainClaim{Claimer: c.claimer, Claimee: c.claimee, Amount: c.amount, Settled: c.state == stateProcessed}
	if c.expiresAt != nil {
		oc.ExpiresAt = uint64(*c.expiresAt)
	}
	if c.otpHash != nil {
		oc.OtpHash = *c.otpHash
	}
	return oc
}

func renderClaim(c OnchainClaim) string {
	return fmt.Sprintf("claimer=%s claimee=%s amount=%s settled=%t expiresAt=%d otpHash=%s",
		c.Claimer.Hex(), c.Claimee.Hex(), c.Amount, c.Settled, c.ExpiresAt, c.OtpHash.Hex())
}

// claimFromValues converts the outputs of RahatProject.claims(id).
func claimFromValues(vals []any) (OnchainClaim, error) {
	if len(vals) != 6 {
		return OnchainClaim{}, fmt.Errorf("claims returned %d values", len(vals))
	}
	var c OnchainClaim
	var ok [6]bool
	c.Claimer, ok[0] = vals[0].(common.Address)
	c.ExpiresAt, ok[1] = vals[1].(uint64)
	c.Settled, ok[2] = vals[2].(bool)
	c.Claimee, ok[3] = vals[3].(common.Address)
	c.Amount, ok[4] = vals[4].(*big.Int)
	var h [32]byte
	h, ok[5] = vals[5].([32]byte)
	c.OtpHash = h
	for _, k := range ok {
		if !k {
			return OnchainClaim{}, errors.New("claims returned unexpected types")
		}
	}
	return c, nil
}

// runProbes runs the probes' eth_calls in JSON-RPC batches and returns the mismatches.
func runProbes(ctx context.Context, client *ethclient.Client, probes []probe, atBlock uint64) ([]Mismatch, error) {
	var out []Mismatch
	block := hexutil.EncodeUint64(atBlock)
	for start := 0; start < len(probes); start += checkBatch {
		chunk := probes[start:min(start+checkBatch, len(probes))]
		res := make([]hexutil.Bytes, len(chunk))
		batch := make([]rpc.BatchElem, len(chunk))
		for i, p := range chunk {
			data, err := p.abi.Pack(p.method, p.args...)
			if err != nil {
				return nil, fmt.Errorf("packing %s: %w", p.method, err)
			}
			batch[i] = rpc.BatchElem{Method: "eth_call", Args: []any{callArgs{To: p.to, Data: data}, block}, Result: &res[i]}
		}
		if err := client.Client().BatchCallContext(ctx, batch); err != nil {
			return nil, fmt.Errorf("checking against the chain at block %d: %w", atBlock, err)
		}
		for i, p := range chunk {
			var got string
			if err := batch[i].Error; err != nil {
				got = "error: " + err.Error()
			} else if vals, err := p.abi.Unpack(p.method, res[i]); err != nil {
				got = "undecodable: " + err.Error()
			} else if p.render != nil {
				got = p.render(vals)
			} else {
				got = renderValue(vals)
			}
			if got != p.want {
				out = append(out, Mismatch{Entity: p.entity, Key: p.key, Field: p.field, Indexed: p.want, Chain: got})
			}
		}
	}
	return out, nil
}

func renderValue(vals []any) string {
	if len(vals) == 0 {
		return "no value"
	}
	switch v := vals[0].(type) {
	case *big.Int:
		return v.String()
	case common.Address:
		return v.Hex()
	case bool:
		return strconv.FormatBool(v)
	case string:
		return strconv.Quote(v)
	case uint8:
		return strconv.Itoa(int(v))
	}
	return fmt.Sprint(vals[0])
}
