package indexer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/rahataid/rahat/indexer/schema"
)

// errInconsistent means the node's answers did not describe one chain (a reorg happened between two
// calls, or a load-balanced node answered from two backends); the work is redone from scratch.
var errInconsistent = errors.New("node answers are inconsistent (chain changed while fetching)")

// record is one decoded log, ready to be written and handed to the handlers. A buffered range
// keeps only the row and, when there are handlers, the Event.Args values in parameter order: the
// Event itself (with its Args map, as big again as the row) is built at commit time, one range at
// a time (see event).
type record struct {
	table *schema.Table
	src   *source
	row   []any
	block uint64
	index uint
	args  []any // ArgValue of every parameter, in Table.Params order; nil without handlers
}

// batch is the fetched content of blocks [from, to], ready for one transaction.
type batch struct {
	seq       int
	from, to  uint64
	records   []record    // in (block, log index) order, without duplicates
	instances []instance  // instances created in the range, in (block, log index) order
	headers   []*header   // every block for the unfinalised path; only `to` for final ranges
	parent    common.Hash // parent hash of block `from`, to link the batch to the checkpoint
	known     int         // len(routes.addrs) the fetch started with
	rt        *routes     // the routes the fetch started with
	byHash    bool        // logs were read block by block (headers holds every block)
}

// last returns the header of the batch's last block.
func (b *batch) last() *header { return b.headers[len(b.headers)-1] }

type decoded struct {
	log   types.Log
	src   *source
	table *schema.Table
	vals  map[string]any
}

// logsAdaptive fetches the logs of addrs over [from, to], in address chunks, splitting the range
// when the node refuses it as too large.
func (r *run) logsAdaptive(ctx context.Context, from, to uint64, addrs []common.Address) ([]types.Log, error) {
	var out []types.Log
	for i := 0; i < len(addrs); i += r.cfg.AddressChunk {
		chunk := addrs[i:min(i+r.cfg.AddressChunk, len(addrs))]
		logs, err := r.logsSplit(ctx, from, to, chunk)
		if err != nil {
			return nil, err
		}
		out = append(out, logs...)
	}
	return out, nil
}

func (r *run) logsSplit(ctx context.Context, from, to uint64, addrs []common.Address) ([]types.Log, error) {
	logs, err := r.node.getLogs(ctx, from, to, addrs, r.cat.topics)
	var re *rangeError
	if errors.As(err, &re) && to > from {
		size := r.sizer.tooLarge(to-from+1, re)
		r.log.Debug("splitting log range", "from", from, "to", to, "size", size, "hint", re.suggest)
		var out []types.Log
		for a := from; a <= to; a += size {
			part, err := r.logsSplit(ctx, a, min(a+size-1, to), addrs)
			if err != nil {
				return nil, err
			}
			out = append(out, part...)
		}
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	r.sizer.ok(to - from + 1)
	return logs, nil
}

// fetcher fetches the logs of addrs over blocks [from, to].
type fetcher func(ctx context.Context, from, to uint64, addrs []common.Address) ([]types.Log, error)

// collect fetches and decodes every log of [from, to] for rt's addresses and for the instances the
// range itself creates: logs of the known addresses first, then, as long as factory events announce
// new instances, the logs of just those instances from their creation block to `to`. No second pass
// over the range is made for the addresses already fetched.
//
// hdrs, when set, holds the header of every block of the range (the unfinalised path): logs are
// then read block by block, by hash (blockLogs), every log must carry its block's hash, and the
// last header is re-read afterwards to prove the node did not switch branches in between. Without
// hdrs (final blocks), logs are read by block range, and only the last block's header is fetched,
// for the checkpoint, plus headers of blocks whose logs lack blockTimestamp.
func (r *run) collect(ctx context.Context, rt *routes, from, to uint64, hdrs []*header) (*batch, error) {
	b := &batch{from: from, to: to, known: len(rt.addrs), rt: rt, byHash: hdrs != nil}
	fetch := fetcher(r.logsAdaptive)
	if b.byHash {
		fetch = r.blockLogs(hdrs)
	}
	logs, err := fetch(ctx, from, to, rt.addrs)
	if err != nil {
		return nil, err
	}
	dec, inst, err := r.decodeAll(ctx, rt, logs, to, fetch)
	if err != nil {
		return nil, err
	}
	b.instances = inst
	return r.finish(ctx, b, dec, hdrs)
}

// blockLogs returns a fetcher for the unfinalised blocks hdrs: one eth_getLogs by block hash per
// block that may hold logs of ours (up to Concurrency at once), never a block range. A node's
// answer to a range is not proof that it holds every log of every block in it: go-ethereum's log
// index (v1.16+) has been seen to leave out all logs of a block it had just indexed, for a moment,
// while the block, its hash and its receipts were right, and a commit of such an answer would
// never be corrected (see doc.go). A query by hash is answered from the block's receipts. Blocks
// whose logsBloom proves that none of addrs emitted any of the catalog's events are skipped; an
// empty bloom proves nothing (a node might not fill it), so such blocks are asked for too.
func (r *run) blockLogs(hdrs []*header) fetcher {
	return func(ctx context.Context, from, to uint64, addrs []common.Address) ([]types.Log, error) {
		var want []*header
		for _, h := range hdrs {
			if n := uint64(h.Number); n >= from && n <= to && mayHold(h.Bloom, addrs, r.cat.topics) {
				want = append(want, h)
			}
		}
		if len(want) == 0 {
			return nil, nil
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		got := make([][]types.Log, len(want))
		errs := make([]error, len(want))
		sem := make(chan struct{}, max(1, r.cfg.Network.Concurrency))
		var wg sync.WaitGroup
		for i, h := range want {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				for j := 0; j < len(addrs) && errs[i] == nil; j += r.cfg.AddressChunk {
					logs, err := r.node.getBlockLogs(ctx, h.Hash, addrs[j:min(j+r.cfg.AddressChunk, len(addrs))], r.cat.topics)
					if err != nil {
						errs[i] = fmt.Errorf("block %d: %w", uint64(h.Number), err)
						cancel()
					}
					got[i] = append(got[i], logs...)
				}
			}()
		}
		wg.Wait()
		// The first failure cancelled the others: report it, not their cancellation.
		var first error
		for _, err := range errs {
			if err != nil && (first == nil || errors.Is(first, context.Canceled)) {
				first = err
			}
		}
		if first != nil {
			return nil, first
		}
		var out []types.Log
		for _, logs := range got {
			out = append(out, logs...)
		}
		return out, nil
	}
}

// mayHold reports whether a block with this logsBloom may hold a log emitted by one of addrs with
// one of topics as topic0.
func mayHold(bloom types.Bloom, addrs []common.Address, topics []common.Hash) bool {
	if bloom == (types.Bloom{}) {
		return true
	}
	addr := false
	for _, a := range addrs {
		if types.BloomLookup(bloom, a) {
			addr = true
			break
		}
	}
	if !addr {
		return false
	}
	if len(topics) == 0 {
		return true
	}
	for _, t := range topics {
		if types.BloomLookup(bloom, t) {
			return true
		}
	}
	return false
}

// decodeAll decodes logs and follows factory events to a fixed point, fetching the logs of new
// instances with fetch.
func (r *run) decodeAll(ctx context.Context, rt *routes, logs []types.Log, to uint64, fetch fetcher) ([]decoded, []instance, error) {
	var out []decoded
	var found []instance
	local := rt
	for len(logs) > 0 {
		var fresh []instance
		for i := range logs {
			d, ok := r.decode(local, &logs[i])
			if !ok {
				continue
			}
			out = append(out, d)
			for _, ref := range d.src.children {
				if ref.topic0 != d.log.Topics[0] {
					continue
				}
				addr, ok := d.vals[ref.col].(common.Address)
				if !ok {
					continue
				}
				fresh = append(fresh, instance{
					Source: ref.child.cfg.Name, Address: addr, Factory: d.log.Address,
					Block: d.log.BlockNumber, BlockHash: d.log.BlockHash, TxHash: d.log.TxHash, LogIndex: d.log.Index,
				})
			}
		}
		slices.SortFunc(fresh, func(a, b instance) int { return cmpPos(a.Block, a.LogIndex, b.Block, b.LogIndex) })
		next := local.withInstances(fresh)
		added := next.instances[len(local.instances):]
		if len(added) == 0 {
			break
		}
		found = append(found, added...)
		local = next
		addrs := make([]common.Address, len(added))
		first := added[0].Block
		for i, in := range added {
			addrs[i] = in.Address
			first = min(first, in.Block)
		}
		var err error
		if logs, err = fetch(ctx, first, to, addrs); err != nil {
			return nil, nil, err
		}
	}
	return out, found, nil
}

// decode routes a log by (address -> source, topic0 -> event) and decodes it.
func (r *run) decode(rt *routes, l *types.Log) (decoded, bool) {
	if l.Removed || len(l.Topics) == 0 {
		return decoded{}, false
	}
	src := rt.byAddr[l.Address]
	if src == nil || l.BlockNumber < rt.from[l.Address] {
		return decoded{}, false
	}
	t := src.byTopic[l.Topics[0]]
	if t == nil {
		return decoded{}, false
	}
	vals, err := t.Decode(l)
	if err != nil {
		r.m.undecodable.WithLabelValues(r.net).Inc()
		r.log.Warn("skipping undecodable log", "source", src.cfg.Name, "event", t.Signature,
			"block", l.BlockNumber, "log_index", l.Index, "tx", l.TxHash, "err", err)
		return decoded{}, false
	}
	return decoded{log: *l, src: src, table: t, vals: vals}, true
}

func cmpPos(b1 uint64, i1 uint, b2 uint64, i2 uint) int {
	switch {
	case b1 < b2:
		return -1
	case b1 > b2:
		return 1
	case i1 < i2:
		return -1
	case i1 > i2:
		return 1
	}
	return 0
}

// finish checks the logs against the headers, fills in timestamps and builds the rows.
func (r *run) finish(ctx context.Context, b *batch, dec []decoded, hdrs []*header) (*batch, error) {
	slices.SortFunc(dec, func(x, y decoded) int { return cmpPos(x.log.BlockNumber, x.log.Index, y.log.BlockNumber, y.log.Index) })
	dec = slices.CompactFunc(dec, func(x, y decoded) bool {
		return x.log.BlockNumber == y.log.BlockNumber && x.log.Index == y.log.Index
	})
	byNum := map[uint64]*header{}
	if hdrs != nil {
		for _, h := range hdrs {
			byNum[uint64(h.Number)] = h
		}
		b.headers = hdrs
		b.parent = hdrs[0].ParentHash
	} else {
		// Block `from` links the range to the checkpoint (a reorg while the indexer was stopped
		// or behind may have replaced the checkpoint's block); `to` gives the next checkpoint.
		need := []uint64{b.to}
		seen := map[uint64]bool{b.to: true}
		if !seen[b.from] {
			seen[b.from] = true
			need = append(need, b.from)
		}
		for _, d := range dec {
			if d.log.BlockTimestamp == 0 && !seen[d.log.BlockNumber] {
				seen[d.log.BlockNumber] = true
				need = append(need, d.log.BlockNumber)
			}
		}
		hs, err := r.node.headers(ctx, need)
		if err != nil {
			return nil, err
		}
		for i, h := range hs {
			if h == nil {
				return nil, fmt.Errorf("block %d: %w (node does not have it)", need[i], errInconsistent)
			}
			byNum[need[i]] = h
		}
		b.headers = []*header{byNum[b.to]}
		b.parent = byNum[b.from].ParentHash
	}
	for i := range dec {
		l := &dec[i].log
		h := byNum[l.BlockNumber]
		if h != nil && h.Hash != l.BlockHash {
			return nil, fmt.Errorf("log %d/%d has block hash %s, header says %s: %w", l.BlockNumber, l.Index, l.BlockHash, h.Hash, errInconsistent)
		}
		if hdrs != nil && h == nil {
			return nil, fmt.Errorf("log of block %d outside range %d-%d: %w", l.BlockNumber, b.from, b.to, errInconsistent)
		}
		if l.BlockTimestamp == 0 && h != nil {
			l.BlockTimestamp = uint64(h.Time)
		}
	}
	if hdrs != nil {
		// The node must still be on the branch the headers describe, else the logs may be of another.
		again, err := r.node.headers(ctx, []uint64{b.to})
		if err != nil {
			return nil, err
		}
		if again[0] == nil || again[0].Hash != b.last().Hash {
			return nil, fmt.Errorf("block %d changed while fetching: %w", b.to, errInconsistent)
		}
	}
	b.records = make([]record, 0, len(dec))
	for i := range dec {
		rec, err := r.build(&dec[i], len(r.cfg.Handlers) > 0)
		if err != nil {
			return nil, err
		}
		b.records = append(b.records, rec)
	}
	return b, nil
}

// build converts a decoded log to a table row and, withArgs, the values of Event.Args. The row
// starts with schema.MetaColumns, in order; event reads them back.
func (r *run) build(d *decoded, withArgs bool) (record, error) {
	l := &d.log
	t := d.table
	row := make([]any, 0, len(t.Columns))
	row = append(row, int64(r.cfg.Network.ChainID), l.Address.Bytes(), int64(l.BlockNumber), l.BlockHash.Bytes(),
		int64(l.BlockTimestamp), l.TxHash.Bytes(), int32(l.TxIndex), int32(l.Index))
	rec := record{table: t, src: d.src, block: l.BlockNumber, index: l.Index}
	if withArgs {
		rec.args = make([]any, 0, len(t.Params()))
	}
	for _, c := range t.Params() {
		v, ok := d.vals[c.Name]
		if !ok {
			return record{}, fmt.Errorf("decoding %s at %d/%d: parameter %s missing", t.Signature, l.BlockNumber, l.Index, c.Name)
		}
		pv, err := c.PGValue(v)
		if err != nil {
			return record{}, fmt.Errorf("encoding %s at %d/%d: %w", t.Signature, l.BlockNumber, l.Index, err)
		}
		row = append(row, pv)
		if withArgs {
			rec.args = append(rec.args, c.ArgValue(v))
		}
	}
	rec.row = row
	return rec, nil
}

// event builds the record's Event from its row's metadata columns (written by build) and its
// argument values.
func (rec *record) event(chainID uint64) Event {
	t := rec.table
	args := make(map[string]any, len(rec.args))
	for i, c := range t.Params() {
		args[c.Key] = rec.args[i]
	}
	return Event{
		ChainID: chainID, Source: rec.src.cfg.Name, Contract: rec.src.cfg.Contract, Name: t.Event,
		Address: common.BytesToAddress(rec.row[1].([]byte)), BlockNumber: rec.block,
		BlockHash: common.BytesToHash(rec.row[3].([]byte)), BlockTime: uint64(rec.row[4].(int64)),
		TxHash: common.BytesToHash(rec.row[5].([]byte)), TxIndex: uint(rec.row[6].(int32)), LogIndex: rec.index,
		Args: args,
	}
}

// supplement completes a final-range batch fetched before earlier batches committed new instances:
// it fetches the logs of just those instances over the batch's range and merges their records in.
// The decoded logs of the batch are not kept for this rare case: a buffered range holds its rows
// only.
func (r *run) supplement(ctx context.Context, b *batch, cur *routes) (*batch, error) {
	if len(cur.addrs) <= b.known {
		return b, nil
	}
	missing := cur.addrs[b.known:]
	fetch := fetcher(r.logsAdaptive)
	if b.byHash {
		fetch = r.blockLogs(b.headers)
	}
	logs, err := fetch(ctx, b.from, b.to, missing)
	if err != nil {
		return nil, err
	}
	base := cur.withInstances(b.instances)
	dec, inst, err := r.decodeAll(ctx, base, logs, b.to, fetch)
	if err != nil {
		return nil, err
	}
	extra, err := r.finish(ctx, &batch{from: b.from, to: b.to}, dec, nil)
	if err != nil {
		return nil, err
	}
	if extra.last().Hash != b.last().Hash || extra.parent != b.parent {
		return nil, fmt.Errorf("blocks %d-%d changed while supplementing: %w", b.from, b.to, errInconsistent)
	}
	nb := &batch{seq: b.seq, from: b.from, to: b.to, known: len(cur.addrs), rt: cur, headers: b.headers, parent: b.parent,
		byHash: b.byHash}
	nb.instances = append(append([]instance(nil), b.instances...), inst...)
	slices.SortFunc(nb.instances, func(x, y instance) int { return cmpPos(x.Block, x.LogIndex, y.Block, y.LogIndex) })
	nb.records = mergeRecords(b.records, extra.records)
	return nb, nil
}

// mergeRecords merges two record lists in (block, log index) order, keeping one record per position.
func mergeRecords(a, b []record) []record {
	out := make([]record, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var next record
		switch {
		case j >= len(b) || (i < len(a) && cmpPos(a[i].block, a[i].index, b[j].block, b[j].index) <= 0):
			next = a[i]
			i++
		default:
			next = b[j]
			j++
		}
		if n := len(out); n > 0 && out[n-1].block == next.block && out[n-1].index == next.index {
			continue
		}
		out = append(out, next)
	}
	return out
}
