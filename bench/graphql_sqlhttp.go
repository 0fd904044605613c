package main

import (
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/rahataid/rahat/graphql/model"
)

// The GraphQL suite's contrast: the same reads as the baseline's hand-written SQL, served over
// the same HTTP as GraphQL by a plain net/http handler that decodes and encodes with
// encoding/json, as a hand-written REST endpoint would be. GraphQL over HTTP pays for HTTP (a
// request parsed, an answer written, two more trips through the kernel) and for a separate load
// generator on the same cores, which the in-process SQL baseline does not; comparing GraphQL
// with this endpoint shows what GraphQL itself costs.

// transferJSON is a Transfer in the JSON GraphQL gives it.
type transferJSON struct {
	ID              string `json:"id"`
	From            string `json:"from"`
	To              string `json:"to"`
	Value           string `json:"value"`
	BlockNumber     string `json:"blockNumber"`
	BlockTimestamp  string `json:"blockTimestamp"`
	TransactionHash string `json:"transactionHash"`
}

// sqlHandler serves POST /sql/transfer {"id": …} and POST /sql/transfers {"to": …} (the newest
// 100 transfers to an address), and POST /sql/none: the floor of any HTTP service on this
// machine, the body read and a fixed answer of a Transfer's size written, with no database.
func (b *gqlBench) sqlHandler() http.Handler {
	mux := http.NewServeMux()
	fixed, _ := json.Marshal(map[string]any{"data": map[string]any{"transfer": transferJSON{
		ID: "0x" + strings.Repeat("ab", 36), From: "0x" + strings.Repeat("cd", 20), To: "0x" + strings.Repeat("ef", 20),
		Value: "123456000000000000000", BlockNumber: "1234567", BlockTimestamp: "1714814804", TransactionHash: "0x" + strings.Repeat("ab", 32),
	}}})
	mux.HandleFunc("POST /sql/none", func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(fixed)))
		w.Write(fixed) //nolint:errcheck // the client went away
	})
	mux.HandleFunc("POST /sql/transfer", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID string `json:"id"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		id, err := model.ParseBytes(req.ID)
		if err != nil || len(id) != 36 {
			http.Error(w, "bad id", http.StatusBadRequest)
			return
		}
		ts, err := collectTransfers(b.gqlPool.Query(r.Context(), transferSQL+` WHERE tx_hash = $1 AND log_index = $2 AND chain_id = $3`,
			[]byte(id[:32]), int32(binary.LittleEndian.Uint32(id[32:])), gqlChain))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		var t *transferJSON
		if len(ts) > 0 {
			t = &ts[0]
		}
		writeJSON(w, map[string]any{"transfer": t})
	})
	mux.HandleFunc("POST /sql/transfers", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			To string `json:"to"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		to, err := model.ParseBytes(req.To)
		if err != nil {
			http.Error(w, "bad address", http.StatusBadRequest)
			return
		}
		ts, err := collectTransfers(b.gqlPool.Query(r.Context(), transferSQL+` WHERE chain_id = $1 AND "to" = $2 ORDER BY block_number DESC, log_index DESC LIMIT 100`,
			gqlChain, []byte(to)))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, map[string]any{"transfers": ts})
	})
	return mux
}

func collectTransfers(rows pgx.Rows, err error) ([]transferJSON, error) {
	if err != nil {
		return nil, err
	}
	out := []transferJSON{}
	var tx, from, to []byte
	var li int32
	var v string
	var bn, bt int64
	_, err = pgx.ForEachRow(rows, []any{&tx, &li, &from, &to, &v, &bn, &bt}, func() error {
		out = append(out, transferJSON{
			ID: hexB(append(tx, model.LE32(int(li))...)), From: hexB(from), To: hexB(to), Value: v,
			BlockNumber: strconv.FormatInt(bn, 10), BlockTimestamp: strconv.FormatInt(bt, 10), TransactionHash: hexB(tx),
		})
		return nil
	})
	return out, err
}

func writeJSON(w http.ResponseWriter, v any) {
	out, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.Write(out) //nolint:errcheck // the client went away
}
