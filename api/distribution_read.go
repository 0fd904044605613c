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
