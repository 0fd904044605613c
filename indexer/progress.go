package indexer

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"
)

// BackfillProgress is a snapshot of a backfill of final blocks.
type BackfillProgress struct {
	Network      string
	From, To     uint64 // the blocks this backfill covers
	Indexed      int64  // checkpoint
	Done, Total  uint64 // blocks
	Events       uint64
	BlocksPerSec float64
	EventsPerSec float64
	Elapsed, ETA time.Duration
	Finished     bool
}

// Progress receives backfill progress after every committed range. Implementations must be quick:
// they run on the writer's goroutine.
type Progress interface {
	Backfill(p BackfillProgress)
}

// NewProgress returns a reporter that redraws one line on w when w is a terminal, and otherwise logs
// a structured line at most every interval (and when a backfill finishes).
func NewProgress(w io.Writer, log *slog.Logger, interval time.Duration) Progress {
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return &termProgress{w: w}
		}
	}
	return &logProgress{log: log, every: interval}
}

type termProgress struct {
	mu sync.Mutex
	w  io.Writer
}

func (t *termProgress) Backfill(p BackfillProgress) {
	t.mu.Lock()
	defer t.mu.Unlock()
	pct := 100.0
	if p.Total > 0 {
		pct = 100 * float64(p.Done) / float64(p.Total)
	}
	fmt.Fprintf(t.w, "\r\033[K%s: block %d/%d (%.1f%%) %.0f blocks/s %.0f events/s ETA %s",
		p.Network, max(p.Indexed, 0), p.To, pct, p.BlocksPerSec, p.EventsPerSec, p.ETA.Round(time.Second))
	if p.Finished {
		fmt.Fprintf(t.w, "\r\033[K%s: backfilled blocks %d-%d, %d events in %s\n", p.Network, p.From, p.To, p.Events, p.Elapsed.Round(time.Millisecond))
	}
}

type logProgress struct {
	mu    sync.Mutex
	log   *slog.Logger
	every time.Duration
	last  time.Time
}

func (l *logProgress) Backfill(p BackfillProgress) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !p.Finished && time.Since(l.last) < l.every {
		return
	}
	l.last = time.Now()
	msg := "backfill progress"
	if p.Finished {
		msg = "backfill done"
	}
	l.log.Info(msg, "network", p.Network, "indexed", p.Indexed, "to", p.To, "done_blocks", p.Done,
		"total_blocks", p.Total, "events", p.Events, "blocks_per_s", int(p.BlocksPerSec),
		"events_per_s", int(p.EventsPerSec), "eta", p.ETA.Round(time.Second))
}
