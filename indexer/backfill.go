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
				b, err := r.fetchFinal(ctx, j.from, j.to)
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

// fetchFinal fetches one final range, retrying a few times if the node changed under it.
func (r *run) fetchFinal(ctx context.Context, from, to uint64) (*batch, error) {
	for attempt := 0; ; attempt++ {
		b, err := r.collect(ctx, r.rt.Load(), from, to, nil)
		if err == nil || !errors.Is(err, errInconsistent) || attempt >= 3 {
			return b, err
		}
		if err := sleep(ctx, backoff(r.cfg.RetryBase, r.cfg.RetryMax, attempt)); err != nil {
			return nil, err
		}
	}
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
