package query

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/rahataid/rahat/graphql/model"
)

const (
	checkpointSQL = `SELECT indexed_block FROM indexer_chains WHERE chain_id = $1`
	blockByHash   = `SELECT number FROM indexer_blocks WHERE chain_id = $1 AND hash = $2`
	metaSQL       = `
SELECT indexed_block, indexed_hash, indexed_timestamp, indexed_parent_hash, has_indexing_errors
FROM indexer_chains WHERE chain_id = $1`
	metaBlockSQL = `SELECT hash, timestamp, parent_hash FROM indexer_blocks WHERE chain_id = $1 AND number = $2`
)

// ResolveBlock turns TheGraph's block argument into the block to read at. A number must be
// indexed already; a hash must be one the indexer keeps (the unfinalised window and a margin
// below it); number_gte reads the latest state once the indexer has reached that block.
func (en *Engine) ResolveBlock(ctx context.Context, chain int64, bh *model.BlockHeight) (model.At, error) {
	if bh == nil {
		return model.LatestBlock, nil
	}
	set := 0
	for _, ok := range []bool{bh.Hash != nil, bh.Number != nil, bh.NumberGte != nil} {
		if ok {
			set++
		}
	}
	switch {
	case set == 0:
		return model.LatestBlock, nil
	case set > 1:
		return model.At{}, model.Errorf("block: give one of number, hash or number_gte")
	case bh.Hash != nil:
		var n int64
		err := en.db.QueryRow(ctx, blockByHash, chain, []byte(bh.Hash)).Scan(&n)
		if errors.Is(err, pgx.ErrNoRows) {
			return model.At{}, model.Errorf("block %s is not known: it is not canonical, not indexed yet, or older than the recent blocks whose hashes are kept", bh.Hash)
		}
		if err != nil {
			return model.At{}, fmt.Errorf("resolving block hash: %w", err)
		}
		return model.At{Number: n}, nil
	}
	want := bh.Number
	if want == nil {
		want = bh.NumberGte
	}
	if *want < 0 {
		return model.At{}, model.Errorf("block number must not be negative")
	}
	var indexed int64
	err := en.db.QueryRow(ctx, checkpointSQL, chain).Scan(&indexed)
	if errors.Is(err, pgx.ErrNoRows) {
		return model.At{}, ErrNoChain
	}
	if err != nil {
		return model.At{}, fmt.Errorf("reading the checkpoint: %w", err)
	}
	if int64(*want) > indexed {
		return model.At{}, model.Errorf("has only indexed up to block number %d and data for block number %d is therefore not yet available", indexed, *want)
	}
	if bh.NumberGte != nil {
		return model.LatestBlock, nil
	}
	return model.At{Number: int64(*want)}, nil
}

// Meta answers _meta: the checkpoint block (or the requested block, with its hash when the
// indexer still keeps it) and whether indexing hit an error.
func (en *Engine) Meta(ctx context.Context, deployment string, bh *model.BlockHeight) (*model.Meta, error) {
	chain, err := en.Chain(ctx)
	if err != nil {
		return nil, err
	}
	var num int64
	var hash, parent []byte
	var ts *int64
	m := &model.Meta{Deployment: deployment}
	err = en.db.QueryRow(ctx, metaSQL, chain).Scan(&num, &hash, &ts, &parent, &m.HasIndexingErrors)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNoChain
	}
	if err != nil {
		return nil, fmt.Errorf("reading _meta: %w", err)
	}
	at, err := en.ResolveBlock(ctx, chain, bh)
	if err != nil {
		return nil, err
	}
	if !at.Latest && at.Number != num {
		num, hash, ts, parent = at.Number, nil, nil, nil
		err := en.db.QueryRow(ctx, metaBlockSQL, chain, at.Number).Scan(&hash, &ts, &parent)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("reading _meta block: %w", err)
		}
	}
	m.Block = &model.MetaBlock{Number: int(num), Hash: hash, ParentHash: parent}
	if ts != nil {
		t := int(*ts)
		m.Block.Timestamp = &t
	}
	return m, nil
}
