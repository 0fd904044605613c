package indexer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

type fetchResult struct {
	seq int
	b   *batch
	err error
}

// backfill indexes the final blocks [next, to]: a dispatcher hands out ranges of the adaptive size,
// Concurrency fetchers fetch and decode them in parallel, and this goroutine commits them strictly
// in block order. At most Concurrency+1 ranges are dispatched but not committed: every fetcher
// busy and one range ready for the committer. A deeper buffer makes neither side faster (the slower
// one sets the pace) and multiplies the memory: a range of 10,000 logs takes several MB of rows, and
// its fetch as much again in transient JSON (the benchmark's peak RSS with handlers went from about
// 250 MB with 2×Concurrency to under 200 MB).
func (r *run) backfill(ctx, wctx context.Context, to uint64) error {
	from := r.st.next
	head := r.st.head // the fetchers must not read r.st, which this goroutine owns
	conc := r.cfg.Network.Concurrency
	window := conc + 1
	ctx, cancel := context.WithCancel(ctx)
	jobs := make(chan *batch)
	results := make(chan fetchResult, window)
	slots := make(chan struct{}, window)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		for range results { //nolint:revive // drain so fetchers exit
		}
	}()

	go func() {
		defer close(jobs)
		seq := 0
		for a := from; a <= to; seq++ {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			b := min(a+r.sizer.get()-1, to)
			if cut := head - recentBlocks; head > recentBlocks && a <= cut && b > cut {
				b = cut // recent blocks go in ranges of their own (see recentBlocks)
			}
			select {
			case jobs <- &batch{seq: seq, from: a, to: b}:
			case <-ctx.Done():
				return
			}
			a = b + 1
		}
	}()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				b, err := r.fetchFinal(ctx, j.from, j.to, head)
				if b != nil {
					b.seq = j.seq
				}
				results <- fetchResult{seq: j.seq, b: b, err: err}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	p := newTracker(r, from, to)
	pending := map[int]*batch{}
	next := 0
	for res := range results {
		if res.err != nil {
			return res.err
		}
		pending[res.seq] = res.b
		for b := pending[next]; b != nil; b = pending[next] {
			delete(pending, next)
			if r.st.hasHash && b.parent != r.st.hash {
				return fmt.Errorf("block %d has parent %s, indexed %s: %w", b.from, b.parent, r.st.hash, ErrReorg)
			}
			b, err := r.supplement(ctx, b, r.rt.Load())
			if err != nil {
				return err
			}
			if err := r.commit(wctx, b, nil); err != nil {
				return err
			}
			<-slots
			next++
			p.committed(b)
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	p.done()
	return ctx.Err()
}

// recentBlocks is how close to the head a final range may end and still be read by block range.
// Closer ranges (a small finality depth, or a node's finalized tag close to its head) are read
// like unfinalised blocks, with every header and by block hash, since a node's answer to a range
// that ends at blocks it has just indexed may miss one of them (see blockLogs). The go-ethereum
// log index was seen to miss blocks up to 8 below the head; 16 leaves a margin.
const recentBlocks = 16

// fetchFinal fetches one final range, retrying a few times if the node changed under it.
func (r *run) fetchFinal(ctx context.Context, from, to, head uint64) (*batch, error) {
	for attempt := 0; ; attempt++ {
		b, err := r.fetchRange(ctx, from, to, to+recentBlocks > head)
		if err == nil || !errors.Is(err, errInconsistent) || attempt >= 3 {
			return b, err
		}
		if err := sleep(ctx, backoff(r.cfg.RetryBase, r.cfg.RetryMax, attempt)); err != nil {
			return nil, err
		}
	}
}

// fetchRange collects a final range, reading every header and the logs by block hash when recent.
func (r *run) fetchRange(ctx context.Context, from, to uint64, recent bool) (*batch, error) {
	if !recent {
		return r.collect(ctx, r.rt.Load(), from, to, nil)
	}
	hdrs, err := r.branch(ctx, from, to)
	if err != nil {
		return nil, err
	}
	if last := uint64(hdrs[len(hdrs)-1].Number); last != to {
		return nil, fmt.Errorf("block %d: %w", last+1, errNotYet)
	}
	return r.collect(ctx, r.rt.Load(), from, to, hdrs)
}

// tracker feeds the Progress reporter during a backfill.
type tracker struct {
	r        *run
	from, to uint64
	start    time.Time
	events   uint64
}

func newTracker(r *run, from, to uint64) *tracker {
	t := &tracker{r: r, from: from, to: to, start: time.Now()}
	t.report(from, false)
	return t
}

func (t *tracker) committed(b *batch) {
	t.events += uint64(len(b.records))
	t.report(b.to+1, false)
}

func (t *tracker) done() { t.report(t.r.st.next, true) }

func (t *tracker) report(next uint64, finished bool) {
	if t.r.cfg.Progress == nil {
		return
	}
	done := next - t.from
	total := t.to - t.from + 1
	el := time.Since(t.start)
	p := BackfillProgress{
		Network: t.r.net, From: t.from, To: t.to, Indexed: int64(next) - 1, Done: done, Total: total,
		Events: t.events, Elapsed: el, Finished: finished,
	}
	if secs := el.Seconds(); secs > 0 {
		p.BlocksPerSec = float64(done) / secs
		p.EventsPerSec = float64(t.events) / secs
		if p.BlocksPerSec > 0 {
			p.ETA = time.Duration(float64(total-done) / p.BlocksPerSec * float64(time.Second))
		}
	}
	t.r.cfg.Progress.Backfill(p)
}
