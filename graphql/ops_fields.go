package graphql

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/rahataid/rahat/graphql/exec"
	"github.com/rahataid/rahat/graphql/model"
)

// The fields below a distribution, claim request or settlement: its transactions, and a
// distribution's allocations and their counts. A list reads them for all its rows at once
// (OpsLoaded) when its query selects them; a single row reads its own.

// txsOf reads the transactions of requests (refs prefix:id) in one query, by ref, in id order.
func (o *ops) txsOf(ctx context.Context, prefix string, ids []int64) (map[string][]*model.Transaction, error) {
	refs := make([]string, len(ids))
	for i, id := range ids {
		refs[i] = prefix + ":" + strconv.FormatInt(id, 10)
	}
	txs, err := queryAll(ctx, o.db, "transactions", scanTx, fmt.Sprintf(txSQL, txRefs), refs)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]*model.Transaction, len(ids))
	for _, t := range txs {
		out[t.Ref] = append(out[t.Ref], t)
	}
	return out, nil
}

// preloadDistributions reads, for a list, the transactions and item counts its query selects,
// one query each for all rows.
func (o *ops) preloadDistributions(ctx context.Context, rows []*model.Distribution) error {
	wantTxs, wantItems := opsSelects(ctx, "Distribution", "transactions"), opsSelects(ctx, "Distribution", "items")
	if len(rows) == 0 || (!wantTxs && !wantItems) {
		return nil
	}
	ids := rowKeys(rows, func(d *model.Distribution) int64 { return d.Key })
	var txs map[string][]*model.Transaction
	var counts map[int64]*model.DistributionItems
	var err error
	if wantTxs {
		if txs, err = o.distributionTxs(ctx, ids); err != nil {
			return err
		}
	}
	if wantItems {
		if counts, err = o.itemCounts(ctx, ids); err != nil {
			return err
		}
	}
	for _, d := range rows {
		d.Loaded = &model.OpsLoaded{Counts: counts[d.Key]}
		if wantTxs {
			d.Loaded.Txs = nonNil(txs["distribution:"+d.ID])
		}
	}
	return nil
}

// distributionTxs reads distributions' transactions with the beneficiaries each carries.
func (o *ops) distributionTxs(ctx context.Context, ids []int64) (map[string][]*model.Transaction, error) {
	txs, err := o.txsOf(ctx, "distribution", ids)
	if err != nil {
		return nil, err
	}
	items, err := o.itemsPerTx(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, list := range txs {
		for _, t := range list {
			c := items[t.Key]
			t.Items = &c
		}
	}
	return txs, nil
}

// itemsPerTx counts, for distributions' transactions, the beneficiaries each carries (by
// transaction id).
func (o *ops) itemsPerTx(ctx context.Context, distributions []int64) (map[int64]int, error) {
	rows, err := o.db.Query(ctx, itemsPerTxSQL, distributions)
	if err != nil {
		return nil, fmt.Errorf("reading allocations: %w", err)
	}
	items := map[int64]int{}
	var txID, n int64
	if _, err := pgx.ForEachRow(rows, []any{&txID, &n}, func() error { items[txID] += int(n); return nil }); err != nil {
		return nil, fmt.Errorf("reading allocations: %w", err)
	}
	return items, nil
}

// fillItems sets items on the transactions of a distribution (the beneficiaries each carries,
// as Distribution.transactions shows them) when the query selects it; other transactions keep
// null. One read for all of them.
func (o *ops) fillItems(ctx context.Context, txs []*model.Transaction) error {
	if !opsSelects(ctx, "Transaction", "items") {
		return nil
	}
	var ids []int64
	for _, t := range txs {
		if id, ok := distributionOf(t); ok {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	items, err := o.itemsPerTx(ctx, ids)
	if err != nil {
		return err
	}
	for _, t := range txs {
		if _, ok := distributionOf(t); ok {
			c := items[t.Key]
			t.Items = &c
		}
	}
	return nil
}

// distributionOf returns the distribution a transaction belongs to, from its ref.
func distributionOf(t *model.Transaction) (int64, bool) {
	id, ok := strings.CutPrefix(t.Ref, "distribution:")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	return n, err == nil
}

// itemCounts counts distributions' allocations by the state of their transactions.
func (o *ops) itemCounts(ctx context.Context, ids []int64) (map[int64]*model.DistributionItems, error) {
	rows, err := o.db.Query(ctx, itemCountsSQL, ids)
	if err != nil {
		return nil, fmt.Errorf("counting allocations: %w", err)
	}
	out := make(map[int64]*model.DistributionItems, len(ids))
	for _, id := range ids {
		out[id] = &model.DistributionItems{}
	}
	var id, n int64
	var state string
	_, err = pgx.ForEachRow(rows, []any{&id, &state, &n}, func() error {
		c := out[id]
		c.Total += int(n)
		switch state {
		case "queued":
			c.Queued += int(n)
		case "sent":
			c.Sent += int(n)
		case "mined":
			c.Mined += int(n)
		case "final":
			c.Final += int(n)
		case "failed":
			c.Failed += int(n)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("counting allocations: %w", err)
	}
	return out, nil
}

// Distribution returns the resolver of a distribution's fields.
func (r *Resolver) Distribution() exec.DistributionResolver { return &distributionResolver{r} }

type distributionResolver struct{ *Resolver }

func (r *distributionResolver) Items(ctx context.Context, d *model.Distribution) (*model.DistributionItems, error) {
	if d.Loaded != nil && d.Loaded.Counts != nil {
		return d.Loaded.Counts, nil
	}
	m, err := r.ops.itemCounts(ctx, []int64{d.Key})
	if err != nil {
		return nil, err
	}
	return m[d.Key], nil
}

func (r *distributionResolver) Transactions(ctx context.Context, d *model.Distribution) ([]*model.Transaction, error) {
	if d.Loaded != nil && d.Loaded.Txs != nil {
		return d.Loaded.Txs, nil
	}
	m, err := r.ops.distributionTxs(ctx, []int64{d.Key})
	if err != nil {
		return nil, err
	}
	return nonNil(m["distribution:"+d.ID]), nil
}

func (r *distributionResolver) Allocations(ctx context.Context, d *model.Distribution, firstN, skip *int, state *model.TransactionState) ([]*model.DistributionAllocation, error) {
	f, s, err := r.ops.page(firstN, skip)
	if err != nil {
		return nil, err
	}
	var st *string
	if state != nil {
		st = (*string)(state)
	}
	rows, err := queryAll(ctx, r.ops.db, "allocations", func(row pgx.Row) (*model.DistributionAllocation, error) {
		var a model.DistributionAllocation
		var txID int64
		var state string
		if err := row.Scan(&a.Index, &a.Beneficiary, &a.Amount, &txID, &state); err != nil {
			return nil, err
		}
		a.TransactionID, a.State = strconv.FormatInt(txID, 10), model.TransactionState(state)
		return &a, nil
	}, allocationsSQL, d.Key, st, f, s)
	return nonNil(rows), err
}

// ClaimRequest returns the resolver of a claim request's fields.
func (r *Resolver) ClaimRequest() exec.ClaimRequestResolver { return &claimRequestResolver{r} }

type claimRequestResolver struct{ *Resolver }

func (r *claimRequestResolver) Transactions(ctx context.Context, c *model.ClaimRequest) ([]*model.Transaction, error) {
	return r.ops.txsOfOne(ctx, c.Loaded, "claim", c.Key)
}

// Settlement returns the resolver of a settlement's fields.
func (r *Resolver) Settlement() exec.SettlementResolver { return &settlementResolver{r} }

type settlementResolver struct{ *Resolver }

func (r *settlementResolver) Transactions(ctx context.Context, s *model.Settlement) ([]*model.Transaction, error) {
	return r.ops.txsOfOne(ctx, s.Loaded, "settlement", s.Key)
}

// txsOfOne returns a request's preloaded transactions, or reads them.
func (o *ops) txsOfOne(ctx context.Context, loaded *model.OpsLoaded, prefix string, id int64) ([]*model.Transaction, error) {
	if loaded != nil {
		return nonNil(loaded.Txs), nil
	}
	m, err := o.txsOf(ctx, prefix, []int64{id})
	if err != nil {
		return nil, err
	}
	return nonNil(m[prefix+":"+strconv.FormatInt(id, 10)]), nil
}
