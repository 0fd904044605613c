package api

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/rahataid/rahat/indexer/entity"
	"github.com/rahataid/rahat/txmgr"
)

type settlementRequest struct {
	Project string `json:"project" api:"required"`
	Amount  string `json:"amount" api:"required"`
}

type settlementView struct {
	ID        int64    `json:"id"`
	Project   string   `json:"project"`
	Token     string   `json:"token"`
	Amount    string   `json:"amount"`
	State     string   `json:"state"`
	Error     string   `json:"error,omitempty"`
	Txs       []txView `json:"transactions"`
	CreatedAt string   `json:"created_at"`
}

// redeemGas is the gas limit of redeemTokens (about 45,000 used): it cannot be estimated before
// the approve ahead of it is mined.
const redeemGas = 120_000

const pendingSettlementsSQL = `
SELECT coalesce(sum(amount), 0) FROM api_settlements
WHERE chain_id = $1 AND vendor = $2 AND token = $3 AND state IN ('pending', 'submitted')`

const insertSettlementSQL = `
INSERT INTO api_settlements (id, chain_id, project, token, vendor_id, vendor, amount, approve_tx, redeem_tx, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING created_at`

// createSettlement hands collected tokens back to the project for cash: approve(project, amount)
// on the token, then redeemTokens(amount), both from the vendor's key (nonce order keeps them in
// that order).
func (s *Server) createSettlement(ctx context.Context, rq *request) (int, any, error) {
	var in settlementRequest
	if e := rq.decode(&in); e != nil {
		return 0, nil, e
	}
	var f fields
	proj := f.address("project", in.Project)
	amount := f.amount("amount", in.Amount, maxUint256)
	if e := f.err(); e != nil {
		return 0, nil, e
	}
	tx := rq.tx
	pi, err := s.knownProject(ctx, tx, "project", proj)
	if err != nil {
		return 0, nil, err
	}
	vendorID, err := s.vendorOf(ctx, tx, rq, proj)
	if err != nil {
		return 0, nil, err
	}
	// One settlement per vendor at a time: the approvals must not overwrite each other out of order.
	if err := xactLock(ctx, tx, []byte("settlement"), rq.p.Vendor.Bytes()); err != nil {
		return 0, nil, err
	}
	was, err := s.chain.boolCall(ctx, s.project, proj, nil, "wasVendor", rq.p.Vendor)
	if err != nil {
		return 0, nil, unavailable("the chain node", err)
	}
	if !was {
		return 0, nil, errorf(CodeConflict, "vendor %s has never been approved in project %s on chain", rq.p.Vendor, proj)
	}
	bal, err := s.chain.bigCall(ctx, s.token, pi.Token, nil, "balanceOf", rq.p.Vendor)
	if err != nil {
		return 0, nil, unavailable("the chain node", err)
	}
	var pending pgtype.Numeric
	if err := tx.QueryRow(ctx, pendingSettlementsSQL, int64(s.cfg.ChainID), rq.p.Vendor.Bytes(), pi.Token.Bytes()).Scan(&pending); err != nil {
		return 0, nil, dbError("reading open settlements", err)
	}
	free := new(big.Int).Sub(bal, numBig(pending))
	if amount.Cmp(free) > 0 {
		return 0, nil, &Error{Code: CodeInsufficientFunds,
			Message: fmt.Sprintf("you hold %s of the token, %s of it in open settlements", bal, numBig(pending)),
			Details: []FieldError{{Field: "amount", Problem: "exceeds your token balance"}}}
	}
	var id int64
	if err := tx.QueryRow(ctx, `SELECT nextval('api_settlements_id_seq')`).Scan(&id); err != nil {
		return 0, nil, dbError("allocating an id", err)
	}
	r := ref("settlement", id)
	approveData, err := s.token.Pack("approve", proj, amount)
	if err != nil {
		return 0, nil, internal(err)
	}
	approve, err := s.cfg.Tx.Enqueue(ctx, tx, txmgr.Request{Signer: rq.p.Vendor, To: pi.Token, Data: approveData,
		Kind: kindSettleApprove, Ref: r})
	if err != nil {
		return 0, nil, enqueueError(err)
	}
	redeemData, err := s.project.Pack("redeemTokens", amount)
	if err != nil {
		return 0, nil, internal(err)
	}
	redeem, err := s.cfg.Tx.Enqueue(ctx, tx, txmgr.Request{Signer: rq.p.Vendor, To: proj, Data: redeemData,
		GasLimit: redeemGas, Kind: kindSettleRedeem, Ref: r})
	if err != nil {
		return 0, nil, enqueueError(err)
	}
	var created time.Time
	if err := tx.QueryRow(ctx, insertSettlementSQL, id, int64(s.cfg.ChainID), proj.Bytes(), pi.Token.Bytes(), vendorID,
		rq.p.Vendor.Bytes(), numeric(amount), approve, redeem, rq.p.Subject).Scan(&created); err != nil {
		return 0, nil, dbError("recording the settlement", err)
	}
	s.log.Info("settlement accepted", "request_id", rq.id, "settlement", id, "vendor", rq.p.Vendor, "amount", amount)
	return http.StatusAccepted, settlementView{ID: id, Project: proj.Hex(), Token: pi.Token.Hex(), Amount: amount.String(),
		State: "pending", Txs: []txView{queuedTx(approve, kindSettleApprove, 0), queuedTx(redeem, kindSettleRedeem, 0)},
		CreatedAt: ts(created)}, nil
}

func (s *Server) getSettlement(ctx context.Context, rq *request) (int, any, error) {
	id, e := rq.pathID()
	if e != nil {
		return 0, nil, e
	}
	v := settlementView{ID: id, Txs: []txView{}}
	var p, t []byte
	var amount pgtype.Numeric
	var created time.Time
	err := s.cfg.Read.QueryRow(ctx, `SELECT project, token, amount, created_at FROM api_settlements WHERE id = $1 AND chain_id = $2 AND vendor = $3`,
		id, int64(s.cfg.ChainID), rq.p.Vendor.Bytes()).Scan(&p, &t, &amount, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, errorf(CodeNotFound, "no settlement %d of yours", id)
	}
	if err != nil {
		return 0, nil, dbError("reading the settlement", err)
	}
	v.Project, v.Token, v.Amount, v.CreatedAt = hexAddr(p), hexAddr(t), numString(amount), ts(created)
	txs, err := s.cfg.Tx.ListByRef(ctx, ref("settlement", id))
	if err != nil {
		return 0, nil, dbError("reading transactions", err)
	}
	for _, t := range txs {
		v.Txs = append(v.Txs, viewTx(t))
	}
	v.State, v.Error = overall(txs)
	return http.StatusOK, v, nil
}

const listSettlementsSQL = `
SELECT o.id, o.project, o.token, o.amount, s.state, s.error, o.created_at
FROM api_settlements o CROSS JOIN LATERAL (` + requestFoldSQL + `) s
WHERE o.chain_id = $2 AND o.vendor = $3 AND ($4::bytea IS NULL OR o.project = $4) AND ($5::text IS NULL OR s.state = $5)
  AND o.id > $6
ORDER BY o.id LIMIT $7`

// listSettlements lists the calling vendor's settlements, oldest first, with their states and
// transactions.
func (s *Server) listSettlements(ctx context.Context, rq *request) (int, any, error) {
	lq, e := requestListQuery(rq.r.URL.Query())
	if e != nil {
		return 0, nil, e
	}
	rows, err := s.cfg.Read.Query(ctx, listSettlementsSQL, "settlement:", int64(s.cfg.ChainID), rq.p.Vendor.Bytes(), lq.project, lq.state, lq.after, lq.limit)
	if err != nil {
		return 0, nil, dbError("listing settlements", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (settlementView, error) {
		v := settlementView{Txs: []txView{}}
		var p, t []byte
		var amount pgtype.Numeric
		var created time.Time
		err := row.Scan(&v.ID, &p, &t, &amount, &v.State, &v.Error, &created)
		v.Project, v.Token, v.Amount, v.CreatedAt = hexAddr(p), hexAddr(t), numString(amount), ts(created)
		return v, err
	})
	if err != nil {
		return 0, nil, dbError("listing settlements", err)
	}
	txs, err := s.txViews(ctx, "settlement", viewIDs(out, func(v settlementView) int64 { return v.ID }))
	if err != nil {
		return 0, nil, err
	}
	for i := range out {
		out[i].Txs = append(out[i].Txs, txs[ref("settlement", out[i].ID)]...)
	}
	return http.StatusOK, listView[settlementView]{Items: out, Next: nextAfter(out, lq.limit, func(v settlementView) int64 { return v.ID })}, nil
}

type totalsView struct {
	Vendor   string          `json:"vendor"`
	Projects []*vendorTotals `json:"projects"`
	// Open counts the caller's claims and settlements that are not final yet.
	OpenClaims      int64 `json:"open_claims"`
	OpenSettlements int64 `json:"open_settlements"`
}

// vendorTotals returns the caller's indexed totals per project and its open requests.
func (s *Server) vendorTotals(ctx context.Context, rq *request) (int, any, error) {
	totals, err := entity.VendorTotals(ctx, s.cfg.Read, s.cfg.ChainID, rq.p.Vendor, nil)
	if err != nil {
		return 0, nil, dbError("reading vendor totals", err)
	}
	v := totalsView{Vendor: rq.p.Vendor.Hex(), Projects: []*vendorTotals{}}
	for _, t := range totals {
		v.Projects = append(v.Projects, viewTotals(t))
	}
	err = s.cfg.Read.QueryRow(ctx, `
SELECT (SELECT count(*) FROM api_claims WHERE chain_id = $1 AND vendor = $2 AND state IN ('creating', 'code_sent', 'processing')),
       (SELECT count(*) FROM api_settlements WHERE chain_id = $1 AND vendor = $2 AND state IN ('pending', 'submitted'))`,
		int64(s.cfg.ChainID), rq.p.Vendor.Bytes()).Scan(&v.OpenClaims, &v.OpenSettlements)
	if err != nil {
		return 0, nil, dbError("counting open requests", err)
	}
	return http.StatusOK, v, nil
}

// getTransaction shows one transaction the API enqueued.
func (s *Server) getTransaction(ctx context.Context, rq *request) (int, any, error) {
	id, e := rq.pathID()
	if e != nil {
		return 0, nil, e
	}
	t, err := s.cfg.Tx.Get(ctx, id)
	if errors.Is(err, txmgr.ErrNotFound) {
		return 0, nil, errorf(CodeNotFound, "no transaction %d", id)
	}
	if err != nil {
		return 0, nil, dbError("reading the transaction", err)
	}
	v := struct {
		txView
		Ref    string `json:"ref"`
		Signer string `json:"signer"`
		To     string `json:"to"`
	}{viewTx(t), t.Ref, t.Signer.Hex(), t.To.Hex()}
	return http.StatusOK, v, nil
}
