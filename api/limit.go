package api

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter keeps one token bucket per client (token subject). Buckets idle for longer than it
// takes them to refill are dropped on a periodic sweep, so the map stays as small as the set of
// active clients.
type limiter struct {
	rate  rate.Limit
	burst int
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	sweepAt time.Time
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

func newLimiter(perSecond float64, burst int, now func() time.Time) *limiter {
	return &limiter{rate: rate.Limit(perSecond), burst: burst, now: now, buckets: map[string]*bucket{}}
}

// allow takes one token from subject's bucket; when it is empty it returns false and how long
// until a token is back.
func (l *limiter) allow(subject string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.After(l.sweepAt) {
		l.sweep(now)
	}
	b := l.buckets[subject]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.rate, l.burst)}
		l.buckets[subject] = b
	}
	b.last = now
	if b.lim.AllowN(now, 1) {
		return true, 0
	}
	r := b.lim.ReserveN(now, 1)
	wait := r.DelayFrom(now)
	r.CancelAt(now)
	return false, wait
}

// sweep drops buckets that have been idle long enough to be full again.
func (l *limiter) sweep(now time.Time) {
	refill := time.Duration(math.Ceil(float64(l.burst)/float64(l.rate))) * time.Second
	for s, b := range l.buckets {
		if now.Sub(b.last) > refill {
			delete(l.buckets, s)
		}
	}
	l.sweepAt = now.Add(time.Minute)
}
