package graphql

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	gql "github.com/99designs/gqlgen/graphql"

	"github.com/rahataid/rahat/graphql/model"
	"github.com/rahataid/rahat/graphql/query"
)

// ops resolves the operational fields: the command API's distributions, claim requests and
// settlements and the transaction manager's outbox, with the states the REST API shows. Every
// root field checks the request's bearer token before it reads anything (ops_auth.go); nested
// fields belong to a row the root field already admitted.
type ops struct {
	db       query.DB
	verifier TokenVerifier
	eng      *query.Engine // resolves the chain when chainID is 0
	chainID  int64
	limits   query.Limits
	log      *slog.Logger
	now      func() time.Time // the clock that expires claim codes, as the API's
}

func newOps(db query.DB, v TokenVerifier, eng *query.Engine, chainID uint64, log *slog.Logger) *ops {
	return &ops{db: db, verifier: v, eng: eng, chainID: int64(chainID), limits: eng.Limits(), log: log, now: time.Now}
}

// chain returns the chain whose requests are served: the configured one, else the indexed one.
func (o *ops) chain(ctx context.Context) (int64, error) {
	if o.chainID != 0 {
		return o.chainID, nil
	}
	return o.eng.Chain(ctx)
}

// page checks first and skip against the list limits.
func (o *ops) page(first, skip *int) (int, int, error) {
	f, s := o.limits.DefaultFirst, 0
	if first != nil {
		f = *first
	}
	if skip != nil {
		s = *skip
	}
	switch {
	case f < 0 || f > o.limits.MaxFirst:
		return 0, 0, model.Errorf("first must be between 0 and %d", o.limits.MaxFirst)
	case s < 0 || s > o.limits.MaxSkip:
		return 0, 0, model.Errorf("skip must be between 0 and %d", o.limits.MaxSkip)
	}
	return f, s, nil
}

func parseID(id string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	if err != nil || n <= 0 {
		return 0, model.Errorf("id must be a positive integer, got %q", id)
	}
	return n, nil
}

// stateFilter combines a filter's state and state_in: nil filters nothing, an empty list matches
// nothing.
func stateFilter[S ~string](one *S, in []S) []string {
	var out []string
	if in != nil {
		out = []string{}
		for _, s := range in {
			if one == nil || s == *one {
				out = append(out, string(s))
			}
		}
		return out
	}
	if one != nil {
		return []string{string(*one)}
	}
	return nil
}

// bytesArg passes an optional Bytes filter (nil: NULL).
func bytesArg(b model.Bytes) []byte {
	if b == nil {
		return nil
	}
	return []byte(b)
}

// opsSelects reports whether the field being resolved selects a child field of its values.
func opsSelects(ctx context.Context, typeName, field string) bool {
	return slices.ContainsFunc(childFields(ctx, typeName), func(f gql.CollectedField) bool { return f.Name == field })
}

// firstRow returns the first of rows, or nil.
func firstRow[T any](rows []*T) *T {
	if len(rows) == 0 {
		return nil
	}
	return rows[0]
}

// who says which principals a root field admits.
type who int

const (
	staffOnly    who = iota // admins and operators
	staffVendors            // also vendors, whose reads are limited to their own rows
)

// request is what a root field settles before it reads: the caller's vendor scope (nil: every
// vendor's rows), the chain served, and for a list its page.
type request struct {
	vendor      []byte
	chain       int64
	first, skip int
}

// admit authorises the caller, checks the page of a list (first and skip may be nil) and
// resolves the chain, in that order: nothing is read for a caller who is not admitted.
func (o *ops) admit(ctx context.Context, w who, first, skip *int) (request, error) {
	var q request
	var err error
	if q.vendor, err = o.authorise(ctx, w); err != nil {
		return q, err
	}
	if q.first, q.skip, err = o.page(first, skip); err != nil {
		return q, err
	}
	q.chain, err = o.chain(ctx)
	return q, err
}

// admitOne is admit for a field that reads one row by id.
func (o *ops) admitOne(ctx context.Context, w who, id string) (request, int64, error) {
	var q request
	var err error
	if q.vendor, err = o.authorise(ctx, w); err != nil {
		return q, 0, err
	}
	n, err := parseID(id)
	if err != nil {
		return q, 0, err
	}
	q.chain, err = o.chain(ctx)
	return q, n, err
}

// authorise admits the principals w names and returns the caller's vendor scope.
func (o *ops) authorise(ctx context.Context, w who) ([]byte, error) {
	if w == staffVendors {
		return o.vendorScope(ctx)
	}
	return nil, o.staff(ctx)
}

// attachTxs loads the transactions of rows in one read when the query selects them.
func attachTxs[T any](ctx context.Context, o *ops, typeName, prefix string, rows []*T, key func(*T) int64, set func(*T, []*model.Transaction)) error {
	if !opsSelects(ctx, typeName, "transactions") {
		return nil
	}
	keys := rowKeys(rows, key)
	txs, err := o.txsOf(ctx, prefix, keys)
	if err != nil {
		return err
	}
	for i, r := range rows {
		set(r, txs[prefix+":"+strconv.FormatInt(keys[i], 10)])
	}
	return nil
}

// Distribution answers distribution(id).
func (r *queryResolver) Distribution(ctx context.Context, id string) (*model.Distribution, error) {
	q, n, err := r.ops.admitOne(ctx, staffOnly, id)
	if err != nil {
		return nil, err
	}
	rows, err := queryAll(ctx, r.ops.db, "a distribution", scanDistribution,
		fmt.Sprintf(distributionSQL, "distribution", distributionOne), q.chain, n)
	return firstRow(rows), err
}

// Distributions answers distributions.
func (r *queryResolver) Distributions(ctx context.Context, firstN, skip *int, orderDirection *string, where *model.DistributionFilter) ([]*model.Distribution, error) {
	o := r.ops
	q, err := o.admit(ctx, staffOnly, firstN, skip)
	if err != nil {
		return nil, err
	}
	where = cmp.Or(where, &model.DistributionFilter{})
	rows, err := queryAll(ctx, o.db, "distributions", scanDistribution,
		fmt.Sprintf(distributionSQL, "distribution", fmt.Sprintf(distributionList, sqlDirection(orderDirection))),
		q.chain, bytesArg(where.Project), stateFilter(where.State, where.StateIn), q.first, q.skip)
	if err != nil {
		return nil, err
	}
	if err := o.preloadDistributions(ctx, rows); err != nil {
		return nil, err
	}
	return nonNil(rows), nil
}

// ClaimRequest answers claimRequest(id); a vendor's query for another's claim finds nothing.
func (r *queryResolver) ClaimRequest(ctx context.Context, id string) (*model.ClaimRequest, error) {
	o := r.ops
	q, n, err := o.admitOne(ctx, staffVendors, id)
	if err != nil {
		return nil, err
	}
	rows, err := queryAll(ctx, o.db, "a claim request", scanClaim, fmt.Sprintf(claimSQL, claimOne), o.now(), q.chain, n, q.vendor)
	return firstRow(rows), err
}

// ClaimRequests answers claimRequests; a vendor's list holds its own claims only.
func (r *queryResolver) ClaimRequests(ctx context.Context, firstN, skip *int, orderDirection *string, where *model.ClaimRequestFilter) ([]*model.ClaimRequest, error) {
	o := r.ops
	q, err := o.admit(ctx, staffVendors, firstN, skip)
	if err != nil {
		return nil, err
	}
	where = cmp.Or(where, &model.ClaimRequestFilter{})
	rows, err := queryAll(ctx, o.db, "claim requests", scanClaim,
		fmt.Sprintf(claimSQL, fmt.Sprintf(claimList, sqlDirection(orderDirection))),
		o.now(), q.chain, bytesArg(where.Project), q.vendor, bytesArg(where.Vendor), bytesArg(where.Beneficiary),
		stateFilter(where.State, where.StateIn), q.first, q.skip)
	if err != nil {
		return nil, err
	}
	err = attachTxs(ctx, o, "ClaimRequest", "claim", rows, func(c *model.ClaimRequest) int64 { return c.Key },
		func(c *model.ClaimRequest, txs []*model.Transaction) { c.Loaded = &model.OpsLoaded{Txs: txs} })
	return nonNil(rows), err
}

// Settlement answers settlement(id); a vendor's query for another's settlement finds nothing.
func (r *queryResolver) Settlement(ctx context.Context, id string) (*model.Settlement, error) {
	o := r.ops
	q, n, err := o.admitOne(ctx, staffVendors, id)
	if err != nil {
		return nil, err
	}
	rows, err := queryAll(ctx, o.db, "a settlement", scanSettlement,
		fmt.Sprintf(settlementSQL, "settlement", settlementOne), q.chain, n, q.vendor)
	return firstRow(rows), err
}

// Settlements answers settlements; a vendor's list holds its own settlements only.
func (r *queryResolver) Settlements(ctx context.Context, firstN, skip *int, orderDirection *string, where *model.SettlementFilter) ([]*model.Settlement, error) {
	o := r.ops
	q, err := o.admit(ctx, staffVendors, firstN, skip)
	if err != nil {
		return nil, err
	}
	where = cmp.Or(where, &model.SettlementFilter{})
	rows, err := queryAll(ctx, o.db, "settlements", scanSettlement,
		fmt.Sprintf(settlementSQL, "settlement", fmt.Sprintf(settlementList, sqlDirection(orderDirection))),
		q.chain, bytesArg(where.Project), bytesArg(where.Vendor), q.vendor, stateFilter(where.State, where.StateIn), q.first, q.skip)
	if err != nil {
		return nil, err
	}
	err = attachTxs(ctx, o, "Settlement", "settlement", rows, func(s *model.Settlement) int64 { return s.Key },
		func(s *model.Settlement, txs []*model.Transaction) { s.Loaded = &model.OpsLoaded{Txs: txs} })
	return nonNil(rows), err
}

// Transaction answers transaction(id).
func (r *queryResolver) Transaction(ctx context.Context, id string) (*model.Transaction, error) {
	q, n, err := r.ops.admitOne(ctx, staffOnly, id)
	if err != nil {
		return nil, err
	}
	rows, err := queryAll(ctx, r.ops.db, "a transaction", scanTx, fmt.Sprintf(txSQL, txOne), q.chain, n)
	if err != nil {
		return nil, err
	}
	return firstRow(rows), r.ops.fillItems(ctx, rows)
}

// Transactions answers transactions.
func (r *queryResolver) Transactions(ctx context.Context, firstN, skip *int, orderDirection *string, where *model.TransactionFilter) ([]*model.Transaction, error) {
	q, err := r.ops.admit(ctx, staffOnly, firstN, skip)
	if err != nil {
		return nil, err
	}
	where = cmp.Or(where, &model.TransactionFilter{})
	rows, err := queryAll(ctx, r.ops.db, "transactions", scanTx, fmt.Sprintf(txSQL, fmt.Sprintf(txList, sqlDirection(orderDirection))),
		q.chain, stateFilter(where.State, where.StateIn), bytesArg(where.Signer), where.Kind, where.Ref, q.first, q.skip)
	if err != nil {
		return nil, err
	}
	return nonNil(rows), r.ops.fillItems(ctx, rows)
}

func nonNil[T any](rows []*T) []*T {
	if rows == nil {
		return []*T{}
	}
	return rows
}

func rowKeys[T any](rows []*T, key func(*T) int64) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = key(r)
	}
	return out
}
