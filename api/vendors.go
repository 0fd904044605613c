package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"

	"github.com/rahataid/rahat/indexer/entity"
	"github.com/rahataid/rahat/txmgr"
)

type registerVendorRequest struct {
	Project string `json:"project" api:"required"`
	Name    string `json:"name" api:"required"`
}

type vendorView struct {
	ID      int64  `json:"id"`
	Project string `json:"project"`
	// Address is the vendor's custodial chain address: the subject of its tokens.
	Address   string        `json:"address"`
	Name      string        `json:"name"`
	Approved  bool          `json:"approved"`
	Totals    *vendorTotals `json:"totals,omitempty"`
	Txs       []txView      `json:"transactions"`
	CreatedAt string        `json:"created_at"`
}

// vendorTotals are a vendor's indexed totals in one project (entity.VendorTotals).
type vendorTotals struct {
	Project        string `json:"project"`
	Token          string `json:"token"`
	Symbol         string `json:"symbol"`
	Decimals       uint8  `json:"decimals"`
	Approved       bool   `json:"approved"`
	Claims         int64  `json:"claims"`
	Processed      int64  `json:"processed"`
	Claimed        string `json:"claimed"`
	OfflineClaimed string `json:"offline_claimed"`
	Redemptions    int64  `json:"redemptions"`
	Redeemed       string `json:"redeemed"`
	TokenBalance   string `json:"token_balance"`
}

func viewTotals(v entity.VendorTotal) *vendorTotals {
	return &vendorTotals{Project: v.Project.Hex(), Token: v.Token.Hex(), Symbol: v.Symbol, Decimals: v.Decimals,
		Approved: v.Approved, Claims: v.Claims, Processed: v.Processed, Claimed: bigString(v.Claimed),
		OfflineClaimed: bigString(v.OfflineClaimed), Redemptions: v.Redemptions, Redeemed: bigString(v.Redeemed),
		TokenBalance: bigString(v.TokenBalance)}
}

const insertVendorSQL = `
INSERT INTO reg_vendors (chain_id, project, address, name) VALUES ($1, $2, $3, $4)
RETURNING id, created_at`

const insertVendorSetupSQL = `
INSERT INTO api_vendor_setup (vendor_id, approve_tx, fund_tx, created_by) VALUES ($1, $2, $3, $4)`

// registerVendor creates the vendor's custodial key, registers it, and enqueues its on-chain
// approval by the project's operator (and, in development, its funding for gas).
func (s *Server) registerVendor(ctx context.Context, rq *request) (int, any, error) {
	var in registerVendorRequest
	if e := rq.decode(&in); e != nil {
		return 0, nil, e
	}
	var f fields
	proj := f.address("project", in.Project)
	name := strings.TrimSpace(in.Name)
	if f.required("name", name) && len(name) > 200 {
		f.add("name", "must be at most 200 bytes")
	}
	if e := f.err(); e != nil {
		return 0, nil, e
	}
	if _, err := s.knownProject(ctx, rq.tx, "project", proj); err != nil {
		return 0, nil, err
	}
	if err := s.operatorManages(ctx, proj); err != nil {
		return 0, nil, err
	}
	if s.cfg.Keys == nil {
		return 0, nil, unavailable("vendor key creation", errors.New("api: Config.Keys is not set"))
	}
	addr, err := s.cfg.Keys.NewKey(ctx)
	if err != nil {
		return 0, nil, unavailable("the keystore", err)
	}
	var id int64
	var created time.Time
	if err := rq.tx.QueryRow(ctx, insertVendorSQL, int64(s.cfg.ChainID), proj.Bytes(), addr.Bytes(), name).Scan(&id, &created); err != nil {
		return 0, nil, dbError("registering the vendor", err)
	}
	data, err := s.project.Pack("updateVendor", addr, true)
	if err != nil {
		return 0, nil, internal(err)
	}
	approve, err := s.cfg.Tx.Enqueue(ctx, rq.tx, txmgr.Request{Signer: s.cfg.Operator, To: proj, Data: data,
		Kind: kindVendorApprove, Ref: ref("vendor", id)})
	if err != nil {
		return 0, nil, enqueueError(err)
	}
	txs := []txView{queuedTx(approve, kindVendorApprove, 0)}
	var fund *int64
	if s.cfg.VendorFunding != nil && s.cfg.VendorFunding.Sign() > 0 {
		fid, err := s.cfg.Tx.Enqueue(ctx, rq.tx, txmgr.Request{Signer: s.cfg.Funder, To: addr, Value: s.cfg.VendorFunding,
			GasLimit: 21_000, Kind: kindVendorFund, Ref: ref("vendor", id)})
		if err != nil {
			return 0, nil, enqueueError(err)
		}
		fund = &fid
		txs = append(txs, queuedTx(fid, kindVendorFund, 0))
	}
	if _, err := rq.tx.Exec(ctx, insertVendorSetupSQL, id, approve, fund, rq.p.Subject); err != nil {
		return 0, nil, dbError("recording the vendor set-up", err)
	}
	s.log.Info("vendor registered", "request_id", rq.id, "id", id, "project", proj, "vendor", addr)
	return http.StatusCreated, vendorView{ID: id, Project: proj.Hex(), Address: addr.Hex(), Name: name, Txs: txs,
		CreatedAt: ts(created)}, nil
}

// operatorManages checks that the API's operator key is an admin of the project, so that the
// transactions it signs there will not revert with NotAdmin.
func (s *Server) operatorManages(ctx context.Context, proj common.Address) error {
	ok, err := s.chain.boolCall(ctx, s.project, proj, nil, "isAdmin", s.cfg.Operator)
	if err != nil {
		return unavailable("the chain node", err)
	}
	if !ok {
		return invalid(FieldError{Field: "project", Problem: "is not managed by this API: its operator key is not an admin of the project"})
	}
	return nil
}

// enqueueError maps a transaction manager refusal. An unknown signer is a vendor key created
// after the manager started (it reads its key source when made) or a misconfigured operator or
// OTP key: the request cannot be served now, and the log says which.
func enqueueError(err error) error {
	if errors.Is(err, txmgr.ErrUnknownSigner) {
		return &Error{Code: CodeUnavailable, Message: "the signing key for this operation is not loaded; retry later", Err: err}
	}
	if errors.Is(err, txmgr.ErrInvalidRequest) {
		return internal(err)
	}
	return dbError("enqueueing a transaction", err)
}

const selectVendorsSQL = `
SELECT v.id, v.project, v.address, v.name, v.created_at
FROM reg_vendors v
WHERE v.chain_id = $1 AND ($2::bytea IS NULL OR v.project = $2) AND ($3::int8 = 0 OR v.id = $3) AND v.id > $4
ORDER BY v.id
LIMIT $5`

func (s *Server) listVendors(ctx context.Context, rq *request) (int, any, error) {
	q := rq.r.URL.Query()
	limit, after, e := page(q)
	if e != nil {
		return 0, nil, e
	}
	proj, e := optionalAddress(q, "project")
	if e != nil {
		return 0, nil, e
	}
	items, err := s.vendors(ctx, proj, 0, after, limit, false)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, listView[vendorView]{Items: items, Next: nextAfter(items, limit, func(v vendorView) int64 { return v.ID })}, nil
}

func (s *Server) getVendor(ctx context.Context, rq *request) (int, any, error) {
	id, e := rq.pathID()
	if e != nil {
		return 0, nil, e
	}
	items, err := s.vendors(ctx, nil, id, 0, 1, true)
	if err != nil {
		return 0, nil, err
	}
	if len(items) == 0 {
		return 0, nil, errorf(CodeNotFound, "no vendor %d", id)
	}
	return http.StatusOK, items[0], nil
}

// vendors reads registry rows with their indexed totals in their project; withTxs adds the
// set-up transactions.
func (s *Server) vendors(ctx context.Context, proj []byte, id, after int64, limit int, withTxs bool) ([]vendorView, error) {
	rows, err := s.cfg.Read.Query(ctx, selectVendorsSQL, int64(s.cfg.ChainID), proj, id, after, limit)
	if err != nil {
		return nil, dbError("listing vendors", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (vendorView, error) {
		var v vendorView
		var p, a []byte
		var created time.Time
		err := row.Scan(&v.ID, &p, &a, &v.Name, &created)
		v.Project, v.Address, v.CreatedAt, v.Txs = hexAddr(p), hexAddr(a), ts(created), []txView{}
		return v, err
	})
	if err != nil {
		return nil, dbError("listing vendors", err)
	}
	for i := range out {
		totals, err := entity.VendorTotals(ctx, s.cfg.Read, s.cfg.ChainID, common.HexToAddress(out[i].Address), nil)
		if err != nil {
			return nil, dbError("reading vendor totals", err)
		}
		for _, t := range totals {
			if t.Project.Hex() == out[i].Project {
				out[i].Totals, out[i].Approved = viewTotals(t), t.Approved
			}
		}
		if withTxs {
			txs, err := s.cfg.Tx.ListByRef(ctx, ref("vendor", out[i].ID))
			if err != nil {
				return nil, dbError("reading transactions", err)
			}
			for _, t := range txs {
				out[i].Txs = append(out[i].Txs, viewTx(t))
			}
		}
	}
	return out, nil
}

// vendorOf finds the caller's registration in a project; a vendor token for an address that is
// not a vendor of the project is refused.
func (s *Server) vendorOf(ctx context.Context, q entity.Querier, rq *request, proj common.Address) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `SELECT id FROM reg_vendors WHERE chain_id = $1 AND project = $2 AND address = $3`,
		int64(s.cfg.ChainID), proj.Bytes(), rq.p.Vendor.Bytes()).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, errorf(CodeForbidden, "%s is not a vendor of project %s", rq.p.Vendor, proj)
	}
	if err != nil {
		return 0, dbError(fmt.Sprintf("reading vendor %s", rq.p.Vendor), err)
	}
	return id, nil
}
