package api

import (
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/rahataid/rahat/txmgr"
)

// The kinds of transaction the API enqueues (txmgr Request.Kind); metrics count by them.
const (
	kindAddBeneficiaries = "add_beneficiaries"
	kindAllocate         = "allocate"
	kindVendorApprove    = "vendor_approve"
	kindVendorFund       = "vendor_fund"
	kindClaimCreate      = "claim_create"
	kindClaimOTP         = "claim_otp"
	kindClaimProcess     = "claim_process"
	kindSettleApprove    = "settle_approve"
	kindSettleRedeem     = "settle_redeem"
)

var allKinds = []string{kindAddBeneficiaries, kindAllocate, kindVendorApprove, kindVendorFund, kindClaimCreate,
	kindClaimOTP, kindClaimProcess, kindSettleApprove, kindSettleRedeem}

// ref names an API object in the transaction manager (Request.Ref).
func ref(kind string, id int64) string { return kind + ":" + strconv.FormatInt(id, 10) }

// txView is a transaction as the API shows it.
type txView struct {
	ID          int64   `json:"id"`
	Kind        string  `json:"kind"`
	State       string  `json:"state"`
	Hash        *string `json:"hash"`
	Nonce       *uint64 `json:"nonce"`
	BlockNumber *uint64 `json:"block_number"`
	Attempts    int     `json:"attempts"`
	Error       string  `json:"error,omitempty"`
	// Items is the number of beneficiaries a batch transaction carries.
	Items int `json:"items,omitempty"`
}

func viewTx(t txmgr.Tx) txView {
	v := txView{ID: t.ID, Kind: t.Kind, State: string(t.State), Nonce: t.Nonce, BlockNumber: t.BlockNumber,
		Attempts: t.Attempts, Error: t.Error}
	if t.Hash != nil {
		h := t.Hash.Hex()
		v.Hash = &h
	}
	return v
}

// queuedTx is the view of a transaction just enqueued in the request's own transaction.
func queuedTx(id int64, kind string, items int) txView {
	return txView{ID: id, Kind: kind, State: string(txmgr.StateQueued), Items: items}
}

// overall folds the states of an object's transactions into one: failed if any failed, final
// when all are final, submitted once any has a nonce, pending before.
func overall(txs []txmgr.Tx) (state, reason string) {
	final, sent := 0, 0
	for _, t := range txs {
		switch t.State {
		case txmgr.StateFailed:
			return "failed", t.Kind + " transaction " + strconv.FormatInt(t.ID, 10) + " failed: " + t.Error
		case txmgr.StateFinal:
			final++
			sent++
		case txmgr.StateSent, txmgr.StateMined:
			sent++
		}
	}
	switch {
	case len(txs) > 0 && final == len(txs):
		return "final", ""
	case sent > 0:
		return "submitted", ""
	default:
		return "pending", ""
	}
}

// amountString renders a numeric column (numeric(78,0)) as decimal digits.
func numString(n pgtype.Numeric) string {
	if !n.Valid || n.Int == nil {
		return "0"
	}
	v := new(big.Int).Set(n.Int)
	if n.Exp > 0 {
		v.Mul(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n.Exp)), nil))
	}
	return v.String()
}

func numBig(n pgtype.Numeric) *big.Int {
	v, _ := new(big.Int).SetString(numString(n), 10)
	return v
}

func numeric(n *big.Int) pgtype.Numeric { return pgtype.Numeric{Int: new(big.Int).Set(n), Valid: true} }

func bigString(n *big.Int) string {
	if n == nil {
		return "0"
	}
	return n.String()
}

func addrBytes(as []common.Address) [][]byte {
	out := make([][]byte, len(as))
	for i, a := range as {
		out[i] = a.Bytes()
	}
	return out
}

func hexAddr(b []byte) string { return common.BytesToAddress(b).Hex() }

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// page reads the list parameters limit (default 50, at most 200) and after (an id).
func page(q map[string][]string) (limit int, after int64, e *Error) {
	var f fields
	limit = 50
	if v := first(q, "limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			f.add("limit", "must be an integer from 1 to 200")
		}
		limit = n
	}
	if v := first(q, "after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			f.add("after", "must be a non-negative integer (an id)")
		}
		after = n
	}
	return limit, after, f.err()
}

func first(q map[string][]string, k string) string {
	if v := q[k]; len(v) > 0 {
		return strings.TrimSpace(v[0])
	}
	return ""
}

// requestQuery is what a list of requests (distributions, settlements) asks for in its query
// string: a page, and optionally one project and one state.
type requestQuery struct {
	limit   int
	after   int64
	project []byte
	state   *string
}

func requestListQuery(q map[string][]string) (requestQuery, *Error) {
	var lq requestQuery
	var e *Error
	if lq.limit, lq.after, e = page(q); e != nil {
		return lq, e
	}
	if lq.project, e = optionalAddress(q, "project"); e != nil {
		return lq, e
	}
	lq.state, e = optionalState(q)
	return lq, e
}

// viewIDs returns the ids of a list's views, for the reads that complete them.
func viewIDs[V any](views []V, id func(V) int64) []int64 {
	out := make([]int64, len(views))
	for i, v := range views {
		out[i] = id(v)
	}
	return out
}
