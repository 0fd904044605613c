package api

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/indexer/entity"
	"github.com/rahataid/rahat/txmgr"
)

type claimRequest struct {
	Project string `json:"project" api:"required"`
	// Beneficiary is the beneficiary's address; Phone may name the beneficiary instead.
	Beneficiary string `json:"beneficiary,omitempty"`
	Phone       string `json:"phone,omitempty"`
	Amount      string `json:"amount" api:"required"`
}

type codeRequest struct {
	Code string `json:"code" api:"required"`
}

type claimView struct {
	ID          int64  `json:"id"`
	Project     string `json:"project"`
	Token       string `json:"token"`
	Beneficiary string `json:"beneficiary"`
	Amount      string `json:"amount"`
	// State: creating, code_sent, expired (a code_sent claim whose code expired), processing,
	// processed, failed.
	State         string   `json:"state"`
	Error         string   `json:"error,omitempty"`
	ClaimID       *string  `json:"claim_id"`
	CodeExpiresAt *string  `json:"code_expires_at"`
	AttemptsLeft  int      `json:"attempts_left"`
	CodesLeft     int      `json:"codes_left"`
	Txs           []txView `json:"transactions,omitempty"`
	CreatedAt     string   `json:"created_at"`
	UpdatedAt     string   `json:"updated_at"`
}

// pendingClaimsSQL is what open claims already take from a beneficiary's allocation.
const pendingClaimsSQL = `
SELECT coalesce(sum(amount), 0) FROM api_claims
WHERE beneficiary_id = $1 AND state IN ('creating', 'code_sent', 'processing')`

const insertClaimSQL = `
INSERT INTO api_claims (id, chain_id, project, token, vendor_id, vendor, beneficiary_id, beneficiary, amount, create_tx, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
RETURNING created_at`

// createClaim asks for part of a beneficiary's allocation for the calling vendor: it enqueues
// createClaim signed by the vendor's custodial key. The worker sends the code once it is mined.
func (s *Server) createClaim(ctx context.Context, rq *request) (int, any, error) {
	var in claimRequest
	if e := rq.decode(&in); e != nil {
		return 0, nil, e
	}
	var f fields
	proj := f.address("project", in.Project)
	amount := f.amount("amount", in.Amount, maxAllocation)
	var ben common.Address
	switch {
	case in.Beneficiary != "" && in.Phone != "":
		f.add("phone", "give either beneficiary or phone, not both")
	case in.Beneficiary != "":
		ben = f.address("beneficiary", in.Beneficiary)
	case in.Phone == "":
		f.add("beneficiary", "is required (or phone)")
	}
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
	benID, ben, err := s.findBeneficiary(ctx, tx, proj, ben, in.Phone)
	if err != nil {
		return 0, nil, err
	}
	if err := s.claimable(ctx, proj, rq.p.Vendor); err != nil {
		return 0, nil, err
	}
	// Claims on one beneficiary are checked and recorded one at a time.
	if err := xactLock(ctx, tx, []byte("claim"), ben.Bytes(), proj.Bytes()); err != nil {
		return 0, nil, err
	}
	allocation, err := s.chain.bigCall(ctx, s.project, proj, nil, "allocation", ben)
	if err != nil {
		return 0, nil, unavailable("the chain node", err)
	}
	var pending pgtype.Numeric
	if err := tx.QueryRow(ctx, pendingClaimsSQL, benID).Scan(&pending); err != nil {
		return 0, nil, dbError("reading open claims", err)
	}
	free := new(big.Int).Sub(allocation, numBig(pending))
	if amount.Cmp(free) > 0 {
		if free.Sign() < 0 {
			free.SetInt64(0)
		}
		return 0, nil, &Error{Code: CodeInsufficientFunds,
			Message: fmt.Sprintf("the beneficiary can give at most %s now (allocation %s, %s in open claims)", free, allocation, numBig(pending)),
			Details: []FieldError{{Field: "amount", Problem: "exceeds the beneficiary's available allocation"}}}
	}
	var id int64
	if err := tx.QueryRow(ctx, `SELECT nextval('api_claims_id_seq')`).Scan(&id); err != nil {
		return 0, nil, dbError("allocating an id", err)
	}
	data, err := s.project.Pack("createClaim", ben, amount)
	if err != nil {
		return 0, nil, internal(err)
	}
	txID, err := s.cfg.Tx.Enqueue(ctx, tx, txmgr.Request{Signer: rq.p.Vendor, To: proj, Data: data,
		Kind: kindClaimCreate, Ref: ref("claim", id)})
	if err != nil {
		return 0, nil, enqueueError(err)
	}
	var created time.Time
	if err := tx.QueryRow(ctx, insertClaimSQL, id, int64(s.cfg.ChainID), proj.Bytes(), pi.Token.Bytes(), vendorID,
		rq.p.Vendor.Bytes(), benID, ben.Bytes(), numeric(amount), txID, rq.p.Subject).Scan(&created); err != nil {
		return 0, nil, dbError("recording the claim", err)
	}
	s.log.Info("claim requested", "request_id", rq.id, "claim", id, "vendor", rq.p.Vendor, "project", proj, "beneficiary_id", benID)
	return http.StatusAccepted, claimView{ID: id, Project: proj.Hex(), Token: pi.Token.Hex(), Beneficiary: ben.Hex(),
		Amount: amount.String(), State: "creating", AttemptsLeft: s.cfg.MaxAttempts, CodesLeft: s.cfg.MaxCodes,
		Txs: []txView{queuedTx(txID, kindClaimCreate, 0)}, CreatedAt: ts(created), UpdatedAt: ts(created)}, nil
}

// findBeneficiary resolves a claim's beneficiary by address or phone within the project.
func (s *Server) findBeneficiary(ctx context.Context, tx pgx.Tx, proj, addr common.Address, rawPhone string) (int64, common.Address, error) {
	var id int64
	var a []byte
	var err error
	field := "beneficiary"
	if rawPhone != "" {
		field = "phone"
		hash, herr := s.cfg.Phones.Hash(rawPhone)
		if herr != nil {
			return 0, addr, invalid(FieldError{Field: "phone", Problem: "is not a valid phone number"})
		}
		err = tx.QueryRow(ctx, `SELECT id, address FROM reg_beneficiaries WHERE chain_id = $1 AND project = $2 AND phone_hash = $3 ORDER BY id LIMIT 1`,
			int64(s.cfg.ChainID), proj.Bytes(), hash).Scan(&id, &a)
	} else {
		err = tx.QueryRow(ctx, `SELECT id, address FROM reg_beneficiaries WHERE chain_id = $1 AND project = $2 AND address = $3`,
			int64(s.cfg.ChainID), proj.Bytes(), addr.Bytes()).Scan(&id, &a)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, addr, invalid(FieldError{Field: field, Problem: "is not a registered beneficiary of this project"})
	}
	if err != nil {
		return 0, addr, dbError("reading the beneficiary", err)
	}
	return id, common.BytesToAddress(a), nil
}

// claimable checks on chain that the vendor may create claims in the project now and that the
// project's OTP server is this API's key, so that createClaim and addOtpToClaim will not revert.
func (s *Server) claimable(ctx context.Context, proj, vendor common.Address) error {
	ok, err := s.chain.boolCall(ctx, s.project, proj, nil, "isVendor", vendor)
	if err != nil {
		return unavailable("the chain node", err)
	}
	if !ok {
		return errorf(CodeConflict, "vendor %s is not approved in project %s on chain (yet); retry once its approval is mined", vendor, proj)
	}
	otp, err := s.chain.addressCall(ctx, s.project, proj, "otpServer")
	if err != nil {
		return unavailable("the chain node", err)
	}
	if otp != s.cfg.OTPServer {
		return invalid(FieldError{Field: "project", Problem: "its OTP server is not this API's key, so no code can be sent"})
	}
	return nil
}

// claimRow is an api_claims row.
type claimRow struct {
	id, vendorID, benID         int64
	project, token, vendor, ben common.Address
	amount                      *big.Int
	state, errText              string
	claimID                     *big.Int
	otpHash                     []byte
	codeSalt                    []byte // the current code's secret salt (nil: an unsalted code)
	codeExpires                 *time.Time
	attempts, codes             int
	createTx                    int64
	otpTx, processTx            *int64
	created, updated            time.Time
}

const selectClaimCols = `
SELECT id, vendor_id, beneficiary_id, project, token, vendor, beneficiary, amount, state, error, claim_id,
       otp_hash, code_salt, code_expires_at, attempts, codes_sent, create_tx, otp_tx, process_tx, created_at, updated_at
FROM api_claims`

func scanClaim(row pgx.Row) (claimRow, error) {
	var c claimRow
	var p, t, v, b []byte
	var amount, claimID pgtype.Numeric
	err := row.Scan(&c.id, &c.vendorID, &c.benID, &p, &t, &v, &b, &amount, &c.state, &c.errText, &claimID,
		&c.otpHash, &c.codeSalt, &c.codeExpires, &c.attempts, &c.codes, &c.createTx, &c.otpTx, &c.processTx, &c.created, &c.updated)
	if err != nil {
		return c, err
	}
	c.project, c.token, c.vendor, c.ben = common.BytesToAddress(p), common.BytesToAddress(t), common.BytesToAddress(v), common.BytesToAddress(b)
	c.amount = numBig(amount)
	if claimID.Valid {
		c.claimID = numBig(claimID)
	}
	return c, nil
}

func (s *Server) viewClaim(c claimRow) claimView {
	v := claimView{ID: c.id, Project: c.project.Hex(), Token: c.token.Hex(), Beneficiary: c.ben.Hex(), Amount: c.amount.String(),
		State: c.state, Error: c.errText, AttemptsLeft: max(0, s.cfg.MaxAttempts-c.attempts), CodesLeft: max(0, s.cfg.MaxCodes-c.codes),
		CreatedAt: ts(c.created), UpdatedAt: ts(c.updated)}
	if c.claimID != nil {
		id := c.claimID.String()
		v.ClaimID = &id
	}
	if c.codeExpires != nil {
		e := ts(*c.codeExpires)
		v.CodeExpiresAt = &e
		if c.state == "code_sent" && s.cfg.Now().After(*c.codeExpires) {
			v.State = "expired"
		}
	}
	return v
}

// submitCode checks a beneficiary's code for the vendor's claim and, if right, enqueues
// processClaim. Wrong codes count against the claim's attempts even though the request fails:
// that error is committed (and replayed for the same Idempotency-Key).
func (s *Server) submitCode(ctx context.Context, rq *request) (int, any, error) {
	id, e := rq.pathID()
	if e != nil {
		return 0, nil, e
	}
	var in codeRequest
	if e := rq.decode(&in); e != nil {
		return 0, nil, e
	}
	var f fields
	f.required("code", in.Code)
	if e := f.err(); e != nil {
		return 0, nil, e
	}
	c, err := s.lockClaim(ctx, rq, id)
	if err != nil {
		return 0, nil, err
	}
	if err := s.codeUsable(ctx, rq.tx, c); err != nil {
		return 0, nil, err
	}
	code := strings.TrimSpace(in.Code)
	onChain := contracts.SaltedOtp(code, c.codeSalt)
	want := contracts.OtpHash(onChain)
	if len(code) != s.cfg.CodeDigits || strings.Trim(code, "0123456789") != "" || subtle.ConstantTimeCompare(want[:], c.otpHash) != 1 {
		c.attempts++
		if _, err := rq.tx.Exec(ctx, `UPDATE api_claims SET attempts = attempts + 1, updated_at = now() WHERE id = $1`, c.id); err != nil {
			return 0, nil, dbError("counting the attempt", err)
		}
		s.met.codes.WithLabelValues("wrong").Inc()
		left := max(0, s.cfg.MaxAttempts-c.attempts)
		return 0, nil, &Error{Code: CodeInvalidCode, keep: true,
			Message: fmt.Sprintf("the code is wrong; %d attempt(s) left", left),
			Details: []FieldError{{Field: "code", Problem: "does not match"}}}
	}
	data, err := s.project.Pack("processClaim", c.claimID, onChain)
	if err != nil {
		return 0, nil, internal(err)
	}
	// After the code's own transaction: the vendor may have the code before it is mined.
	txID, err := s.cfg.Tx.Enqueue(ctx, rq.tx, txmgr.Request{Signer: c.vendor, To: c.project, Data: data,
		Kind: kindClaimProcess, Ref: ref("claim", c.id), After: *c.otpTx})
	if err != nil {
		return 0, nil, enqueueError(err)
	}
	if _, err := rq.tx.Exec(ctx, `UPDATE api_claims SET state = 'processing', process_tx = $2, updated_at = now() WHERE id = $1`, c.id, txID); err != nil {
		return 0, nil, dbError("recording the code", err)
	}
	s.met.codes.WithLabelValues("accepted").Inc()
	s.log.Info("claim code accepted", "request_id", rq.id, "claim", c.id, "vendor", c.vendor)
	c.state, c.processTx, c.updated = "processing", &txID, s.cfg.Now()
	v := s.viewClaim(c)
	v.Txs = []txView{queuedTx(txID, kindClaimProcess, 0)}
	return http.StatusAccepted, v, nil
}

// lockClaim reads and row-locks the caller's claim; another vendor's claim is not found.
func (s *Server) lockClaim(ctx context.Context, rq *request, id int64) (claimRow, error) {
	c, err := scanClaim(rq.tx.QueryRow(ctx, selectClaimCols+` WHERE id = $1 AND chain_id = $2 AND vendor = $3 FOR UPDATE`,
		id, int64(s.cfg.ChainID), rq.p.Vendor.Bytes()))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, errorf(CodeNotFound, "no claim %d of yours", id)
	}
	if err != nil {
		return c, dbError("reading the claim", err)
	}
	return c, nil
}

// codeUsable refuses a code for a claim in the wrong state, out of attempts, expired, or whose
// transaction failed.
func (s *Server) codeUsable(ctx context.Context, tx pgx.Tx, c claimRow) error {
	switch c.state {
	case "creating":
		return errorf(CodeConflict, "no code has been sent for this claim yet; retry shortly")
	case "processing", "processed":
		s.met.codes.WithLabelValues("used").Inc()
		return errorf(CodeCodeUsed, "this claim's code was already used")
	case "failed":
		return errorf(CodeConflict, "this claim failed: %s", c.errText)
	}
	if c.attempts >= s.cfg.MaxAttempts {
		s.met.codes.WithLabelValues("exhausted").Inc()
		return errorf(CodeAttemptsExhausted, "too many wrong codes for this claim; create a new claim")
	}
	if c.codeExpires != nil && s.cfg.Now().After(*c.codeExpires) {
		s.met.codes.WithLabelValues("expired").Inc()
		return errorf(CodeCodeExpired, "the code has expired; ask for a new one (resend)")
	}
	if c.otpTx == nil {
		return internal(fmt.Errorf("claim %d is code_sent without an OTP transaction", c.id))
	}
	// Read in the request's transaction (not through txmgr's pool: see handler). A code whose
	// transaction is not mined yet is accepted all the same: processClaim waits for it
	// (txmgr.Request.After). One that failed, or reverted on chain, will never be active.
	var state, txErr string
	if err := tx.QueryRow(ctx, `SELECT state, error FROM txmgr_txs WHERE id = $1`, *c.otpTx).Scan(&state, &txErr); err != nil {
		return dbError("reading the code's transaction", err)
	}
	if state == string(txmgr.StateFailed) || (state == string(txmgr.StateMined) && txErr != "") {
		return errorf(CodeConflict, "the code could not be put on chain (%s); ask for a new one (resend)", txErr)
	}
	return nil
}

// resendCode sends a fresh code for a claim whose code was lost or expired; attempts carry over.
func (s *Server) resendCode(ctx context.Context, rq *request) (int, any, error) {
	id, e := rq.pathID()
	if e != nil {
		return 0, nil, e
	}
	c, err := s.lockClaim(ctx, rq, id)
	if err != nil {
		return 0, nil, err
	}
	switch {
	case c.state != "code_sent":
		return 0, nil, errorf(CodeConflict, "a code can be resent only while the claim waits for one (state %s)", c.state)
	case c.codes >= s.cfg.MaxCodes:
		return 0, nil, errorf(CodeAttemptsExhausted, "no more codes can be sent for this claim; create a new claim")
	case c.attempts >= s.cfg.MaxAttempts:
		return 0, nil, errorf(CodeAttemptsExhausted, "too many wrong codes for this claim; create a new claim")
	}
	if err := s.sendCode(ctx, rq.tx, &c); err != nil {
		return 0, nil, err
	}
	v := s.viewClaim(c)
	v.Txs = []txView{queuedTx(*c.otpTx, kindClaimOTP, 0)}
	return http.StatusAccepted, v, nil
}

func (s *Server) listClaims(ctx context.Context, rq *request) (int, any, error) {
	q := rq.r.URL.Query()
	limit, after, e := page(q)
	if e != nil {
		return 0, nil, e
	}
	proj, e := optionalAddress(q, "project")
	if e != nil {
		return 0, nil, e
	}
	rows, err := s.cfg.Read.Query(ctx, selectClaimCols+`
WHERE chain_id = $1 AND vendor = $2 AND ($3::bytea IS NULL OR project = $3) AND id > $4 ORDER BY id LIMIT $5`,
		int64(s.cfg.ChainID), rq.p.Vendor.Bytes(), proj, after, limit)
	if err != nil {
		return 0, nil, dbError("listing claims", err)
	}
	out := []claimView{}
	for rows.Next() {
		c, err := scanClaim(rows)
		if err != nil {
			rows.Close()
			return 0, nil, dbError("listing claims", err)
		}
		out = append(out, s.viewClaim(c))
	}
	if err := rows.Err(); err != nil {
		return 0, nil, dbError("listing claims", err)
	}
	return http.StatusOK, listView[claimView]{Items: out, Next: nextAfter(out, limit, func(c claimView) int64 { return c.ID })}, nil
}

// claimDetail is a claim with its transactions and the indexer's view of it.
type claimDetail struct {
	claimView
	OnChain *onChainClaim `json:"on_chain"`
}

type onChainClaim struct {
	State     string  `json:"state"`
	ExpiresAt *uint64 `json:"expires_at"`
	Block     uint64  `json:"created_block"`
}

func (s *Server) getClaim(ctx context.Context, rq *request) (int, any, error) {
	id, e := rq.pathID()
	if e != nil {
		return 0, nil, e
	}
	c, err := scanClaim(s.cfg.Read.QueryRow(ctx, selectClaimCols+` WHERE id = $1 AND chain_id = $2 AND vendor = $3`,
		id, int64(s.cfg.ChainID), rq.p.Vendor.Bytes()))
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, errorf(CodeNotFound, "no claim %d of yours", id)
	}
	if err != nil {
		return 0, nil, dbError("reading the claim", err)
	}
	d := claimDetail{claimView: s.viewClaim(c)}
	txs, err := s.cfg.Tx.ListByRef(ctx, ref("claim", id))
	if err != nil {
		return 0, nil, dbError("reading transactions", err)
	}
	d.Txs = []txView{}
	for _, t := range txs {
		d.Txs = append(d.Txs, viewTx(t))
	}
	if c.claimID != nil {
		ec, err := entity.GetClaim(ctx, s.cfg.Read, s.cfg.ChainID, c.project, c.claimID, nil)
		switch {
		case err == nil:
			d.OnChain = &onChainClaim{State: string(ec.StateAt(uint64(s.cfg.Now().Unix()))), ExpiresAt: ec.ExpiresAt, Block: ec.CreatedBlock}
		case !errors.Is(err, entity.ErrNotFound):
			return 0, nil, dbError("reading the indexed claim", err)
		}
	}
	return http.StatusOK, d, nil
}
