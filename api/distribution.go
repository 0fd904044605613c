package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/rahataid/rahat/txmgr"
)

type distributionRequest struct {
	Project     string         `json:"project" api:"required"`
	Token       string         `json:"token,omitempty"`
	Allocations allocationList `json:"allocations" api:"required"`
}

type distributionView struct {
	ID            int64    `json:"id"`
	Project       string   `json:"project"`
	Token         string   `json:"token"`
	State         string   `json:"state"`
	Error         string   `json:"error,omitempty"`
	Beneficiaries int      `json:"beneficiaries"`
	Total         string   `json:"total"`
	AddedOnChain  int      `json:"added_on_chain"`
	Txs           []txView `json:"transactions"`
	CreatedAt     string   `json:"created_at"`
}

// alloc is one validated allocation.
type alloc struct {
	idx    int
	addr   common.Address
	amount *big.Int
	regID  int64
	add    bool // not registered on chain: addBeneficiaries first
}

const registeredSQL = `
SELECT id, address FROM reg_beneficiaries WHERE chain_id = $1 AND project = $2 AND address = ANY($3)`

// onChainSQL lists the beneficiaries registered on chain as the indexer saw it, or by an earlier
// distribution whose addBeneficiaries has not failed.
const onChainSQL = `
SELECT b.address FROM ent_beneficiaries b
WHERE b.chain_id = $1 AND b.project = $2 AND b.address = ANY($3) AND upper_inf(b.block_range) AND b.active
UNION
SELECT r.address FROM api_chain_beneficiaries c
JOIN reg_beneficiaries r ON r.id = c.beneficiary_id
JOIN txmgr_txs t ON t.id = c.tx_id
WHERE r.chain_id = $1 AND r.project = $2 AND r.address = ANY($3) AND t.state <> 'failed'`

// indexedAllocationsSQL reads remaining allocations (the contract's allocation()) as indexed.
const indexedAllocationsSQL = `
SELECT address, allocation FROM ent_beneficiaries
WHERE chain_id = $1 AND project = $2 AND address = ANY($3) AND upper_inf(block_range)`

// busySQL finds beneficiaries whose allocation by another distribution is not final yet.
const busySQL = `
SELECT i.address, min(i.distribution_id) FROM api_distribution_items i
JOIN api_distributions d ON d.id = i.distribution_id
JOIN txmgr_txs t ON t.id = i.tx_id
WHERE d.chain_id = $1 AND d.project = $2 AND i.address = ANY($3) AND t.state IN ('queued', 'sent', 'mined')
GROUP BY i.address`

// heldSQL is the budget held by distributions whose allocations are not mined yet.
const heldSQL = `
SELECT coalesce(sum(d.reserved), 0) FROM api_distributions d
WHERE d.chain_id = $1 AND d.project = $2 AND d.state IN ('pending', 'submitted')
  AND EXISTS (SELECT 1 FROM txmgr_txs t WHERE t.ref = 'distribution:' || d.id AND t.kind = 'allocate'
              AND t.state IN ('queued', 'sent'))`

const upsertChainSQL = `
INSERT INTO api_chain_beneficiaries (beneficiary_id, tx_id, distribution_id)
SELECT b, t, $3 FROM unnest($1::int8[], $2::int8[]) AS u(b, t)
ON CONFLICT (beneficiary_id) DO UPDATE SET tx_id = excluded.tx_id, distribution_id = excluded.distribution_id`

const insertDistributionSQL = `
INSERT INTO api_distributions (id, chain_id, project, token, signer, item_count, total, reserved, added, created_by, request_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
RETURNING created_at`

// createDistribution validates a batch up front and enqueues its transactions, all in the
// request's database transaction together with the distribution row (see doc.go).
func (s *Server) createDistribution(ctx context.Context, rq *request) (int, any, error) {
	var in distributionRequest
	if e := rq.decode(&in); e != nil {
		return 0, nil, e
	}
	proj, token, allocs, e := s.checkDistribution(in)
	if e != nil {
		return 0, nil, e
	}
	tx := rq.tx
	pi, err := s.knownProject(ctx, tx, "project", proj)
	if err != nil {
		return 0, nil, err
	}
	if token != (common.Address{}) && token != pi.Token {
		return 0, nil, invalid(FieldError{Field: "token", Problem: "is not the project's token (" + pi.Token.Hex() + ")"})
	}
	// One distribution per project at a time from here to commit: the budget check must see the
	// holds of every earlier distribution.
	if err := xactLock(ctx, tx, []byte("distribution"), proj.Bytes()); err != nil {
		return 0, nil, err
	}
	addrs := make([]common.Address, len(allocs))
	for i, a := range allocs {
		addrs[i] = a.addr
	}
	if err := s.matchRegistry(ctx, tx, proj, addrs, allocs); err != nil {
		return 0, nil, err
	}
	if err := s.checkBusy(ctx, tx, proj, addrs, allocs); err != nil {
		return 0, nil, err
	}
	if err := s.operatorManages(ctx, proj); err != nil {
		return 0, nil, err
	}
	head, exact, err := s.indexedAtHead(ctx, tx)
	if err != nil {
		return 0, nil, err
	}
	if err := s.markAdds(ctx, tx, proj, head, exact, addrs, allocs); err != nil {
		return 0, nil, err
	}
	total, reserved, err := s.checkBudget(ctx, tx, proj, head, exact, allocs)
	if err != nil {
		return 0, nil, err
	}

	var id int64
	if err := tx.QueryRow(ctx, `SELECT nextval('api_distributions_id_seq')`).Scan(&id); err != nil {
		return 0, nil, dbError("allocating an id", err)
	}
	adds := 0
	for _, a := range allocs {
		if a.add {
			adds++
		}
	}
	var created time.Time
	if err := tx.QueryRow(ctx, insertDistributionSQL, id, int64(s.cfg.ChainID), proj.Bytes(), pi.Token.Bytes(),
		s.cfg.Operator.Bytes(), len(allocs), numeric(total), numeric(reserved), adds, rq.p.Subject, rq.id).Scan(&created); err != nil {
		return 0, nil, dbError("recording the distribution", err)
	}
	txs, err := s.enqueueDistribution(ctx, tx, id, proj, allocs)
	if err != nil {
		return 0, nil, err
	}
	s.log.Info("distribution accepted", "request_id", rq.id, "distribution", id, "project", proj,
		"beneficiaries", len(allocs), "added", adds, "transactions", len(txs), "total", total)
	return http.StatusAccepted, distributionView{ID: id, Project: proj.Hex(), Token: pi.Token.Hex(), State: "pending",
		Beneficiaries: len(allocs), Total: total.String(), AddedOnChain: adds, Txs: txs, CreatedAt: ts(created)}, nil
}

// checkDistribution validates the request's fields, without the database or the chain.
func (s *Server) checkDistribution(in distributionRequest) (common.Address, common.Address, []alloc, *Error) {
	var f fields
	proj := f.address("project", in.Project)
	var token common.Address
	if in.Token != "" {
		token = f.address("token", in.Token)
	}
	switch {
	case in.Allocations == nil:
		f.add("allocations", "is required")
	case len(in.Allocations) == 0:
		f.add("allocations", "must not be empty")
	case len(in.Allocations) > s.cfg.MaxAllocations:
		f.add("allocations", "must have at most %d entries", s.cfg.MaxAllocations)
	}
	if len(f) > 0 {
		return proj, token, nil, f.err()
	}
	allocs := make([]alloc, len(in.Allocations))
	seen := make(map[common.Address]int, len(in.Allocations))
	for i, a := range in.Allocations {
		p := "allocations[" + strconv.Itoa(i) + "]"
		allocs[i] = alloc{idx: i, addr: f.address(p+".beneficiary", a.Beneficiary), amount: f.amount(p+".amount", a.Amount, maxAllocation)}
		if allocs[i].addr == (common.Address{}) {
			continue
		}
		if j, dup := seen[allocs[i].addr]; dup {
			f.add(p+".beneficiary", "repeats allocations[%d]", j)
		}
		seen[allocs[i].addr] = i
	}
	return proj, token, allocs, f.err()
}

// matchRegistry requires every beneficiary to be registered in the project (reg_beneficiaries).
func (s *Server) matchRegistry(ctx context.Context, tx pgx.Tx, proj common.Address, addrs []common.Address, allocs []alloc) error {
	rows, err := tx.Query(ctx, registeredSQL, int64(s.cfg.ChainID), proj.Bytes(), addrBytes(addrs))
	if err != nil {
		return dbError("reading the registry", err)
	}
	ids := map[common.Address]int64{}
	var id int64
	var a []byte
	if _, err := pgx.ForEachRow(rows, []any{&id, &a}, func() error { ids[common.BytesToAddress(a)] = id; return nil }); err != nil {
		return dbError("reading the registry", err)
	}
	var f fields
	for i := range allocs {
		if allocs[i].regID = ids[allocs[i].addr]; allocs[i].regID == 0 {
			f.add("allocations["+strconv.Itoa(i)+"].beneficiary", "is not a registered beneficiary of this project")
		}
	}
	if e := f.err(); e != nil {
		return e
	}
	return nil
}

// checkBusy refuses beneficiaries that another distribution is still allocating: allocations set
// rather than add, so two in flight would race, and the budget held would be wrong.
func (s *Server) checkBusy(ctx context.Context, tx pgx.Tx, proj common.Address, addrs []common.Address, allocs []alloc) error {
	rows, err := tx.Query(ctx, busySQL, int64(s.cfg.ChainID), proj.Bytes(), addrBytes(addrs))
	if err != nil {
		return dbError("reading pending distributions", err)
	}
	busy := map[common.Address]int64{}
	var a []byte
	var d int64
	if _, err := pgx.ForEachRow(rows, []any{&a, &d}, func() error { busy[common.BytesToAddress(a)] = d; return nil }); err != nil {
		return dbError("reading pending distributions", err)
	}
	if len(busy) == 0 {
		return nil
	}
	var f fields
	for i, al := range allocs {
		if d, ok := busy[al.addr]; ok {
			f.add("allocations["+strconv.Itoa(i)+"].beneficiary", "has an allocation in distribution %d that is not final yet", d)
		}
	}
	return &Error{Code: CodeConflict, Message: "some beneficiaries are still being allocated by an earlier distribution", Details: f}
}

// indexedAtHead returns the head block and whether the indexer's checkpoint is that very block
// (same hash): then the ent_* tables are exact at the head and per-beneficiary eth_calls (10,000
// of them for a full batch: seconds on a busy node) can be skipped.
func (s *Server) indexedAtHead(ctx context.Context, tx pgx.Tx) (uint64, bool, error) {
	h, err := s.cfg.Client.HeaderByNumber(ctx, nil)
	if err != nil {
		return 0, false, unavailable("the chain node", err)
	}
	var n int64
	var hash []byte
	err = tx.QueryRow(ctx, `SELECT indexed_block, indexed_hash FROM indexer_chains WHERE chain_id = $1`, int64(s.cfg.ChainID)).Scan(&n, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return h.Number.Uint64(), false, nil
	}
	if err != nil {
		return 0, false, dbError("reading the indexer's checkpoint", err)
	}
	return h.Number.Uint64(), uint64(n) == h.Number.Uint64() && bytes.Equal(hash, h.Hash().Bytes()), nil
}

// markAdds decides which beneficiaries must be registered on chain first: those neither indexed
// as registered, nor being added by an earlier distribution, nor (when the index lags the head)
// registered at the head.
func (s *Server) markAdds(ctx context.Context, tx pgx.Tx, proj common.Address, head uint64, exact bool, addrs []common.Address, allocs []alloc) error {
	rows, err := tx.Query(ctx, onChainSQL, int64(s.cfg.ChainID), proj.Bytes(), addrBytes(addrs))
	if err != nil {
		return dbError("reading on-chain beneficiaries", err)
	}
	on := map[common.Address]bool{}
	var a []byte
	if _, err := pgx.ForEachRow(rows, []any{&a}, func() error { on[common.BytesToAddress(a)] = true; return nil }); err != nil {
		return dbError("reading on-chain beneficiaries", err)
	}
	var cand []int
	for i, al := range allocs {
		if !on[al.addr] {
			cand = append(cand, i)
		}
	}
	if len(cand) == 0 {
		return nil
	}
	if exact {
		for _, i := range cand {
			allocs[i].add = true
		}
		return nil
	}
	check := make([]common.Address, len(cand))
	for j, i := range cand {
		check[j] = allocs[i].addr
	}
	reg, err := s.chain.registered(ctx, proj, head, check)
	if err != nil {
		return unavailable("the chain node", err)
	}
	for j, i := range cand {
		allocs[i].add = !reg[j]
	}
	return nil
}

// checkBudget compares what the batch takes beyond the current allocations (read at the head,
// with the free budget) with the free budget less what earlier, unmined distributions hold.
func (s *Server) checkBudget(ctx context.Context, tx pgx.Tx, proj common.Address, head uint64, exact bool, allocs []alloc) (total, reserved *big.Int, err error) {
	var held pgtype.Numeric
	if err := tx.QueryRow(ctx, heldSQL, int64(s.cfg.ChainID), proj.Bytes()).Scan(&held); err != nil {
		return nil, nil, dbError("reading held budget", err)
	}
	block := new(big.Int).SetUint64(head)
	free, err := s.chain.bigCall(ctx, s.project, proj, block, "availableBudget")
	if err != nil {
		return nil, nil, unavailable("the chain node", err)
	}
	var existing []common.Address
	for _, a := range allocs {
		if !a.add {
			existing = append(existing, a.addr)
		}
	}
	cur := map[common.Address]*big.Int{}
	switch {
	case len(existing) == 0:
	case exact:
		rows, err := tx.Query(ctx, indexedAllocationsSQL, int64(s.cfg.ChainID), proj.Bytes(), addrBytes(existing))
		if err != nil {
			return nil, nil, dbError("reading allocations", err)
		}
		var a []byte
		var n pgtype.Numeric
		if _, err := pgx.ForEachRow(rows, []any{&a, &n}, func() error { cur[common.BytesToAddress(a)] = numBig(n); return nil }); err != nil {
			return nil, nil, dbError("reading allocations", err)
		}
	default:
		vals, err := s.chain.allocations(ctx, proj, head, existing)
		if err != nil {
			return nil, nil, unavailable("the chain node", err)
		}
		for i, a := range existing {
			cur[a] = vals[i]
		}
	}
	total, reserved = new(big.Int), new(big.Int)
	for _, a := range allocs {
		total.Add(total, a.amount)
		if c := cur[a.addr]; c != nil && c.Cmp(a.amount) >= 0 {
			continue
		} else if c != nil {
			reserved.Add(reserved, new(big.Int).Sub(a.amount, c))
		} else {
			reserved.Add(reserved, a.amount)
		}
	}
	avail := new(big.Int).Sub(free, numBig(held))
	if avail.Sign() < 0 {
		avail.SetInt64(0)
	}
	if reserved.Cmp(avail) > 0 {
		return nil, nil, &Error{Code: CodeInsufficientBudget,
			Message: fmt.Sprintf("the distribution needs %s beyond current allocations, but the project's free budget is %s (%s free on chain, %s held by pending distributions)",
				reserved, avail, free, numBig(held))}
	}
	return total, reserved, nil
}

// enqueueDistribution enqueues addBeneficiaries for the new beneficiaries, then
// allocateTokensBatch in chunks, all from the operator, whose nonces keep that order.
func (s *Server) enqueueDistribution(ctx context.Context, tx pgx.Tx, id int64, proj common.Address, allocs []alloc) ([]txView, error) {
	r := ref("distribution", id)
	var views []txView
	var adds []alloc
	for _, a := range allocs {
		if a.add {
			adds = append(adds, a)
		}
	}
	var chainBens, chainTxs []int64
	for _, chunk := range chunks(adds, s.cfg.addChunk()) {
		addrs := make([]common.Address, len(chunk))
		for i, a := range chunk {
			addrs[i] = a.addr
		}
		data, err := s.project.Pack("addBeneficiaries", addrs)
		if err != nil {
			return nil, internal(err)
		}
		txID, err := s.cfg.Tx.Enqueue(ctx, tx, txmgr.Request{Signer: s.cfg.Operator, To: proj, Data: data,
			GasLimit: s.cfg.BaseGas + uint64(len(chunk))*s.cfg.AddGas, Kind: kindAddBeneficiaries, Ref: r})
		if err != nil {
			return nil, enqueueError(err)
		}
		views = append(views, queuedTx(txID, kindAddBeneficiaries, len(chunk)))
		for _, a := range chunk {
			chainBens, chainTxs = append(chainBens, a.regID), append(chainTxs, txID)
		}
	}
	var itemRows [][]any
	for _, chunk := range chunks(allocs, s.cfg.AllocateChunk) {
		addrs := make([]common.Address, len(chunk))
		amounts := make([]*big.Int, len(chunk))
		for i, a := range chunk {
			addrs[i], amounts[i] = a.addr, a.amount
		}
		data, err := s.project.Pack("allocateTokensBatch", addrs, amounts)
		if err != nil {
			return nil, internal(err)
		}
		txID, err := s.cfg.Tx.Enqueue(ctx, tx, txmgr.Request{Signer: s.cfg.Operator, To: proj, Data: data,
			GasLimit: s.cfg.BaseGas + uint64(len(chunk))*s.cfg.AllocateGas, Kind: kindAllocate, Ref: r})
		if err != nil {
			return nil, enqueueError(err)
		}
		views = append(views, queuedTx(txID, kindAllocate, len(chunk)))
		for _, a := range chunk {
			itemRows = append(itemRows, []any{id, a.idx, a.regID, a.addr.Bytes(), numeric(a.amount), txID})
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"api_distribution_items"},
		[]string{"distribution_id", "idx", "beneficiary_id", "address", "amount", "tx_id"}, pgx.CopyFromRows(itemRows)); err != nil {
		return nil, dbError("recording the allocations", err)
	}
	if len(chainBens) > 0 {
		// A beneficiary whose earlier addition failed is added again: the row moves to this one.
		if _, err := tx.Exec(ctx, upsertChainSQL, chainBens, chainTxs, id); err != nil {
			return nil, dbError("recording the on-chain registrations", err)
		}
	}
	return views, nil
}
