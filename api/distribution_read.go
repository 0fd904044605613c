package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// allocationList decodes its elements one at a time, so that a type error or an unknown field
// names the element's index (encoding/json's paths omit array indexes).
type allocationList []allocationInput

func (l *allocationList) UnmarshalJSON(b []byte) error {
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		return err
	}
	if raws == nil { // JSON null
		*l = nil
		return nil
	}
	out := make(allocationList, len(raws))
	for i, r := range raws {
		dec := json.NewDecoder(bytes.NewReader(r))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&out[i]); err != nil {
			at := "allocations[" + strconv.Itoa(i) + "]"
			var te *json.UnmarshalTypeError
			switch {
			case errors.As(err, &te) && te.Field != "":
				return &fieldError{field: at + "." + te.Field, problem: "must be " + typeName(te.Type)}
			case errors.As(err, &te):
				return &fieldError{field: at, problem: "must be an object"}
			case strings.HasPrefix(err.Error(), "json: unknown field "):
				name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
				return &fieldError{field: at + "." + name, problem: "unknown field"}
			default:
				return err
			}
		}
	}
	*l = out
	return nil
}

type allocationInput struct {
	Beneficiary string `json:"beneficiary" api:"required"`
	Amount      string `json:"amount" api:"required"`
}

func chunks[T any](s []T, n int) [][]T {
	var out [][]T
	for len(s) > 0 {
		k := min(n, len(s))
		out = append(out, s[:k])
		s = s[k:]
	}
	return out
}

const selectDistributionSQL = `
SELECT project, token, state, error, item_count, total, added, created_at
FROM api_distributions WHERE id = $1 AND chain_id = $2`

const itemsPerTxSQL = `
SELECT tx_id, count(*) FROM api_distribution_items WHERE distribution_id = $1 GROUP BY tx_id
UNION ALL
SELECT tx_id, count(*) FROM api_chain_beneficiaries WHERE distribution_id = $1 GROUP BY tx_id`

func (s *Server) getDistribution(ctx context.Context, rq *request) (int, any, error) {
	id, e := rq.pathID()
	if e != nil {
		return 0, nil, e
	}
	v := distributionView{ID: id, Txs: []txView{}}
	var p, t []byte
	var total pgtype.Numeric
	var created time.Time
	err := s.cfg.Read.QueryRow(ctx, selectDistributionSQL, id, int64(s.cfg.ChainID)).Scan(&p, &t, &v.State, &v.Error,
		&v.Beneficiaries, &total, &v.AddedOnChain, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, errorf(CodeNotFound, "no distribution %d", id)
	}
	if err != nil {
		return 0, nil, dbError("reading the distribution", err)
	}
	v.Project, v.Token, v.Total, v.CreatedAt = hexAddr(p), hexAddr(t), numString(total), ts(created)
	txs, err := s.cfg.Tx.ListByRef(ctx, ref("distribution", id))
	if err != nil {
		return 0, nil, dbError("reading transactions", err)
	}
	rows, err := s.cfg.Read.Query(ctx, itemsPerTxSQL, id)
	if err != nil {
		return 0, nil, dbError("reading the allocations", err)
	}
	items := map[int64]int{}
	var txID, n int64
	if _, err := pgx.ForEachRow(rows, []any{&txID, &n}, func() error { items[txID] = int(n); return nil }); err != nil {
		return 0, nil, dbError("reading the allocations", err)
	}
	for _, t := range txs {
		tv := viewTx(t)
		tv.Items = items[t.ID]
		v.Txs = append(v.Txs, tv)
	}
	v.State, v.Error = overall(txs)
	return http.StatusOK, v, nil
}

// requestFoldSQL folds each listed request's transactions (found by ref) into its state, as
// overall() does for a single read: failed if any failed (the first failure by id is the error),
// final when all are final, submitted once any left the queue, pending before. $1 is the ref
// prefix ("distribution:"); o is the request's row. (GraphQL's operational fields fold the same
// way, in graphql/ops_sql.go.)
const requestFoldSQL = `
SELECT CASE WHEN bool_or(t.state = 'failed') THEN 'failed'
            WHEN bool_and(t.state = 'final') THEN 'final'
            WHEN bool_or(t.state <> 'queued') THEN 'submitted'
            ELSE 'pending' END AS state,
       coalesce((array_agg(t.kind || ' transaction ' || t.id || ' failed: ' || t.error ORDER BY t.id)
                 FILTER (WHERE t.state = 'failed'))[1], '') AS error
FROM txmgr_txs t WHERE t.ref = $1::text || o.id`

const listDistributionsSQL = `
SELECT o.id, o.project, o.token, s.state, s.error, o.item_count, o.total, o.added, o.created_at
FROM api_distributions o CROSS JOIN LATERAL (` + requestFoldSQL + `) s
WHERE o.chain_id = $2 AND ($3::bytea IS NULL OR o.project = $3) AND ($4::text IS NULL OR s.state = $4) AND o.id > $5
ORDER BY o.id LIMIT $6`

// txsByRefSQL reads the transactions of several requests at once, as the views show them.
const txsByRefSQL = `
SELECT ref, id, kind, state, hash, nonce, block_number, attempts, error
FROM txmgr_txs WHERE ref = ANY($1) ORDER BY id`

// listDistributions lists the chain's distributions, oldest first, with the states their
// transactions give them and those transactions, optionally of one project or in one state.
func (s *Server) listDistributions(ctx context.Context, rq *request) (int, any, error) {
	lq, e := requestListQuery(rq.r.URL.Query())
	if e != nil {
		return 0, nil, e
	}
	rows, err := s.cfg.Read.Query(ctx, listDistributionsSQL, "distribution:", int64(s.cfg.ChainID), lq.project, lq.state, lq.after, lq.limit)
	if err != nil {
		return 0, nil, dbError("listing distributions", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (distributionView, error) {
		v := distributionView{Txs: []txView{}}
		var p, t []byte
		var total pgtype.Numeric
		var created time.Time
		err := row.Scan(&v.ID, &p, &t, &v.State, &v.Error, &v.Beneficiaries, &total, &v.AddedOnChain, &created)
		v.Project, v.Token, v.Total, v.CreatedAt = hexAddr(p), hexAddr(t), numString(total), ts(created)
		return v, err
	})
	if err != nil {
		return 0, nil, dbError("listing distributions", err)
	}
	ids := viewIDs(out, func(v distributionView) int64 { return v.ID })
	txs, err := s.txViews(ctx, "distribution", ids)
	if err != nil {
		return 0, nil, err
	}
	rows, err = s.cfg.Read.Query(ctx, itemsPerTxManySQL, ids)
	if err != nil {
		return 0, nil, dbError("reading the allocations", err)
	}
	items := map[int64]int{}
	var txID, n int64
	if _, err := pgx.ForEachRow(rows, []any{&txID, &n}, func() error { items[txID] += int(n); return nil }); err != nil {
		return 0, nil, dbError("reading the allocations", err)
	}
	for i := range out {
		for _, tv := range txs[ref("distribution", out[i].ID)] {
			tv.Items = items[tv.ID]
			out[i].Txs = append(out[i].Txs, tv)
		}
	}
	return http.StatusOK, listView[distributionView]{Items: out, Next: nextAfter(out, lq.limit, func(d distributionView) int64 { return d.ID })}, nil
}

const itemsPerTxManySQL = `
SELECT tx_id, count(*) FROM api_distribution_items WHERE distribution_id = ANY($1) GROUP BY tx_id
UNION ALL
SELECT tx_id, count(*) FROM api_chain_beneficiaries WHERE distribution_id = ANY($1) GROUP BY tx_id`

// optionalState reads the state query parameter of request lists; nil when absent.
func optionalState(q map[string][]string) (*string, *Error) {
	v := first(q, "state")
	if v == "" {
		return nil, nil
	}
	switch v {
	case "pending", "submitted", "final", "failed":
		return &v, nil
	}
	return nil, invalid(FieldError{Field: "state", Problem: "must be one of pending, submitted, final, failed"})
}

// txViews reads the transactions of requests kind:id for ids, by ref, in the order enqueued.
func (s *Server) txViews(ctx context.Context, kind string, ids []int64) (map[string][]txView, error) {
	refs := make([]string, len(ids))
	for i, id := range ids {
		refs[i] = ref(kind, id)
	}
	rows, err := s.cfg.Read.Query(ctx, txsByRefSQL, refs)
	if err != nil {
		return nil, dbError("reading transactions", err)
	}
	out := map[string][]txView{}
	var r string
	var v txView
	var hash []byte
	var nonce, block *int64
	_, err = pgx.ForEachRow(rows, []any{&r, &v.ID, &v.Kind, &v.State, &hash, &nonce, &block, &v.Attempts, &v.Error}, func() error {
		tv := v
		if hash != nil {
			h := common.BytesToHash(hash).Hex()
			tv.Hash = &h
		}
		tv.Nonce, tv.BlockNumber = u64(nonce), u64(block)
		out[r] = append(out[r], tv)
		return nil
	})
	if err != nil {
		return nil, dbError("reading transactions", err)
	}
	return out, nil
}

func u64(v *int64) *uint64 {
	if v == nil {
		return nil
	}
	u := uint64(*v)
	return &u
}
