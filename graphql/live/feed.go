package live

import "sync"

// DefaultFeedPending is how many events a feed holds before it merges consecutive block events.
const DefaultFeedPending = 256

// Feed is one consumer's ordered view of the hub's events. It never loses a block range and never
// blocks the hub: when the consumer falls more than the pending limit behind, consecutive block
// events are merged into one that covers them all (a reorg is never merged away), so a slow
// consumer sees fewer, wider events, which is all a live query needs.
type Feed struct {
	hub   *Hub
	limit int
	ready chan struct{} // holds a token while events are pending
	done  chan struct{} // closed when the feed ends

	mu      sync.Mutex
	pending []Event
	closed  bool
}

func newFeed(h *Hub, limit int) *Feed {
	return &Feed{hub: h, limit: limit, ready: make(chan struct{}, 1), done: make(chan struct{})}
}

// Ready receives a value when events are pending; call Take then.
func (f *Feed) Ready() <-chan struct{} { return f.ready }

// Done is closed when the feed ends: Close was called or the hub stopped.
func (f *Feed) Done() <-chan struct{} { return f.done }

// Take returns the pending events, oldest first, and empties the feed.
func (f *Feed) Take() []Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	evs := f.pending
	f.pending = nil
	return evs
}

// Close ends the feed; the hub stops sending to it.
func (f *Feed) Close() {
	f.hub.removeFeed(f)
	f.end()
}

func (f *Feed) end() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.closed {
		f.closed = true
		close(f.done)
	}
}

// push appends an event, merging it into the previous one when the feed is full.
func (f *Feed) push(ev Event) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return
	}
	if n := len(f.pending); n >= f.limit && f.pending[n-1].mergeable(&ev) {
		f.pending[n-1].merge(&ev)
	} else {
		f.pending = append(f.pending, ev)
	}
	f.mu.Unlock()
	select {
	case f.ready <- struct{}{}:
	default:
	}
}
