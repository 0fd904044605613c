package api

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"

	"github.com/rahataid/rahat/indexer/entity"
	"github.com/rahataid/rahat/phone"
)

// projectInfo is an indexed project and its token.
type projectInfo struct {
	Address, Token common.Address
	Name, Symbol   string
	Decimals       uint8
}

const projectSQL = `
SELECT p.token, coalesce(p.name, ''), coalesce(t.symbol, ''), coalesce(t.decimals, 0)
FROM ent_projects p
LEFT JOIN ent_tokens t ON t.chain_id = p.chain_id AND t.address = p.token AND upper_inf(t.block_range)
WHERE p.chain_id = $1 AND p.address = $2 AND upper_inf(p.block_range) AND p.token IS NOT NULL`

// readProject reads an indexed project; ok is false when the indexer has not seen it.
func (s *Server) readProject(ctx context.Context, q entity.Querier, addr common.Address) (projectInfo, bool, error) {
	pi := projectInfo{Address: addr}
	var tok []byte
	var dec int16
	err := q.QueryRow(ctx, projectSQL, int64(s.cfg.ChainID), addr.Bytes()).Scan(&tok, &pi.Name, &pi.Symbol, &dec)
	if errors.Is(err, pgx.ErrNoRows) {
		return pi, false, nil
	}
	if err != nil {
		return pi, false, fmt.Errorf("reading project %s: %w", addr, err)
	}
	pi.Token, pi.Decimals = common.BytesToAddress(tok), uint8(dec)
	return pi, true, nil
}

// knownProject reads the project named by a request field or returns a 422 on that field.
func (s *Server) knownProject(ctx context.Context, q entity.Querier, field string, addr common.Address) (projectInfo, error) {
	pi, ok, err := s.readProject(ctx, q, addr)
	if err != nil {
		return pi, dbError("reading the project", err)
	}
	if !ok {
		return pi, invalid(FieldError{Field: field, Problem: "is not a known project on this chain (not indexed yet?)"})
	}
	return pi, nil
}

// xactLock takes a transaction-scoped advisory lock named by parts; it serialises the checks
// and inserts that must not interleave (budget per project, allocation per beneficiary, balance
// per vendor).
func xactLock(ctx context.Context, tx pgx.Tx, parts ...[]byte) error {
	h := fnv.New64a()
	h.Write([]byte("rahat-api"))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write(p)
	}
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(h.Sum64())); err != nil {
		return dbError("taking a lock", err)
	}
	return nil
}

// ----- beneficiaries -----

type registerBeneficiaryRequest struct {
	Project  string `json:"project" api:"required"`
	Address  string `json:"address" api:"required"`
	Phone    string `json:"phone" api:"required"`
	Language string `json:"language,omitempty"`
}

type beneficiaryView struct {
	ID       int64  `json:"id"`
	Project  string `json:"project"`
	Address  string `json:"address"`
	Language string `json:"language"`
	// OnChain says whether the indexer has seen the beneficiary registered in the project.
	OnChain   bool          `json:"on_chain"`
	Balances  []balanceView `json:"balances"`
	CreatedAt string        `json:"created_at"`
}

type balanceView struct {
	Token      string `json:"token"`
	Symbol     string `json:"symbol"`
	Decimals   uint8  `json:"decimals"`
	Allocation string `json:"allocation"`
	Claimed    string `json:"claimed"`
	Disbursed  string `json:"disbursed"`
	Allocated  string `json:"allocated"`
	Balance    string `json:"balance"`
	Received   string `json:"received"`
	Available  string `json:"available"`
}

const insertBeneficiarySQL = `
INSERT INTO reg_beneficiaries (chain_id, project, address, phone_hash, phone_enc, language)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (chain_id, project, address) DO NOTHING
RETURNING id, created_at`

const phoneTakenSQL = `
SELECT EXISTS (SELECT 1 FROM reg_beneficiaries WHERE chain_id = $1 AND project = $2 AND phone_hash = $3)`

func (s *Server) registerBeneficiary(ctx context.Context, rq *request) (int, any, error) {
	var in registerBeneficiaryRequest
	if e := rq.decode(&in); e != nil {
		return 0, nil, e
	}
	var f fields
	proj := f.address("project", in.Project)
	addr := f.address("address", in.Address)
	var e164 string
	if f.required("phone", in.Phone) {
		var err error
		if e164, err = phone.Normalize(in.Phone, s.cfg.PhoneRegion); err != nil {
			f.add("phone", "is not a valid phone number")
		}
	}
	lang := in.Language
	if lang == "" {
		lang = "en"
	}
	if lang != "en" && lang != "ne" {
		f.add("language", "must be en or ne")
	}
	if e := f.err(); e != nil {
		return 0, nil, e
	}
	if _, err := s.knownProject(ctx, rq.tx, "project", proj); err != nil {
		return 0, nil, err
	}
	hash, err := s.cfg.Phones.Hash(e164)
	if err != nil {
		return 0, nil, invalid(FieldError{Field: "phone", Problem: "is not a valid phone number"})
	}
	sealed, err := s.cfg.Box.Seal(e164)
	if err != nil {
		return 0, nil, internal(fmt.Errorf("sealing a phone number: %w", err))
	}
	// One number per beneficiary of a project: an inbound SMS must find exactly one person.
	if err := xactLock(ctx, rq.tx, proj.Bytes(), hash); err != nil {
		return 0, nil, err
	}
	var taken bool
	if err := rq.tx.QueryRow(ctx, phoneTakenSQL, int64(s.cfg.ChainID), proj.Bytes(), hash).Scan(&taken); err != nil {
		return 0, nil, dbError("checking the phone number", err)
	}
	if taken {
		return 0, nil, &Error{Code: CodeConflict, Message: "this phone number is already registered in this project",
			Details: []FieldError{{Field: "phone", Problem: "already registered in this project"}}}
	}
	var id int64
	var created time.Time
	err = rq.tx.QueryRow(ctx, insertBeneficiarySQL, int64(s.cfg.ChainID), proj.Bytes(), addr.Bytes(), hash, sealed, lang).Scan(&id, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, &Error{Code: CodeConflict, Message: "this address is already registered in this project",
			Details: []FieldError{{Field: "address", Problem: "already registered in this project"}}}
	}
	if err != nil {
		return 0, nil, dbError("registering the beneficiary", err)
	}
	s.log.Info("beneficiary registered", "request_id", rq.id, "id", id, "project", proj, "phone", phone.Redact(hash))
	return http.StatusCreated, beneficiaryView{ID: id, Project: proj.Hex(), Address: addr.Hex(), Language: lang,
		Balances: []balanceView{}, CreatedAt: ts(created)}, nil
}

const selectBeneficiariesSQL = `
SELECT r.id, r.project, r.address, r.language, r.created_at,
       EXISTS (SELECT 1 FROM ent_beneficiaries b WHERE b.chain_id = r.chain_id AND b.project = r.project
               AND b.address = r.address AND upper_inf(b.block_range) AND b.active)
FROM reg_beneficiaries r
WHERE r.chain_id = $1 AND ($2::bytea IS NULL OR r.project = $2) AND ($3::int8 = 0 OR r.id = $3) AND r.id > $4
ORDER BY r.id
LIMIT $5`

func (s *Server) listBeneficiaries(ctx context.Context, rq *request) (int, any, error) {
	q := rq.r.URL.Query()
	limit, after, e := page(q)
	if e != nil {
		return 0, nil, e
	}
	proj, e := optionalAddress(q, "project")
	if e != nil {
		return 0, nil, e
	}
	items, err := s.beneficiaries(ctx, proj, 0, after, limit)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, listView[beneficiaryView]{Items: items, Next: nextAfter(items, limit, func(b beneficiaryView) int64 { return b.ID })}, nil
}

func (s *Server) getBeneficiary(ctx context.Context, rq *request) (int, any, error) {
	id, e := rq.pathID()
	if e != nil {
		return 0, nil, e
	}
	items, err := s.beneficiaries(ctx, nil, id, 0, 1)
	if err != nil {
		return 0, nil, err
	}
	if len(items) == 0 {
		return 0, nil, errorf(CodeNotFound, "no beneficiary %d", id)
	}
	return http.StatusOK, items[0], nil
}

// beneficiaries reads registry rows with their indexed balances (entity.BeneficiaryBalances).
func (s *Server) beneficiaries(ctx context.Context, proj []byte, id, after int64, limit int) ([]beneficiaryView, error) {
	rows, err := s.cfg.Read.Query(ctx, selectBeneficiariesSQL, int64(s.cfg.ChainID), proj, id, after, limit)
	if err != nil {
		return nil, dbError("listing beneficiaries", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (beneficiaryView, error) {
		var v beneficiaryView
		var p, a []byte
		var created time.Time
		err := row.Scan(&v.ID, &p, &a, &v.Language, &created, &v.OnChain)
		v.Project, v.Address, v.CreatedAt = hexAddr(p), hexAddr(a), ts(created)
		return v, err
	})
	if err != nil {
		return nil, dbError("listing beneficiaries", err)
	}
	for i := range out {
		bals, err := entity.BeneficiaryBalances(ctx, s.cfg.Read, s.cfg.ChainID, common.HexToAddress(out[i].Address), nil)
		if err != nil {
			return nil, dbError("reading balances", err)
		}
		out[i].Balances = make([]balanceView, len(bals))
		for j, b := range bals {
			out[i].Balances[j] = balanceView{Token: b.Token.Hex(), Symbol: b.Symbol, Decimals: b.Decimals,
				Allocation: bigString(b.Allocation), Claimed: bigString(b.Claimed), Disbursed: bigString(b.Disbursed),
				Allocated: bigString(b.Allocated), Balance: bigString(b.Balance), Received: bigString(b.Received),
				Available: bigString(b.Available)}
		}
	}
	return out, nil
}

// listView is a page of a list; Next is the value of after for the next page, absent at the end.
type listView[T any] struct {
	Items []T    `json:"items"`
	Next  *int64 `json:"next_after,omitempty"`
}

func nextAfter[T any](items []T, limit int, id func(T) int64) *int64 {
	if len(items) < limit || len(items) == 0 {
		return nil
	}
	n := id(items[len(items)-1])
	return &n
}

// optionalAddress reads an address query parameter; nil when absent.
func optionalAddress(q map[string][]string, name string) ([]byte, *Error) {
	v := first(q, name)
	if v == "" {
		return nil, nil
	}
	var f fields
	a := f.address(name, v)
	if e := f.err(); e != nil {
		return nil, e
	}
	return a.Bytes(), nil
}
