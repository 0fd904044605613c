package main

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/jackc/pgx/v5"

	"github.com/rahataid/rahat/indexer"
)

// The subscription suite's baselines: bare gorilla websocket connections (upgrade with the
// defaults, one goroutine blocked reading, no GraphQL, no protocol) and the least a fan-out can do
// on a notification: LISTEN on the indexer's channel with pgx and write its payload, framed once,
// to every connection, on as many goroutines as there are cores. No subscription state, no query,
// no per-subscriber encoding: the floor for memory per connection and for delivery latency.

// bareHub is the baseline server.
type bareHub struct {
	up    websocket.Upgrader
	mu    sync.Mutex
	conns map[*websocket.Conn]struct{}

	nmu      sync.Mutex
	notified map[uint64]time.Time // when the listener received each block's notification
}

func newBareHub() *bareHub {
	return &bareHub{conns: map[*websocket.Conn]struct{}{}, notified: map[uint64]time.Time{},
		up: websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}}
}

// ServeHTTP upgrades and reads (discarding) until the client goes away; the request's goroutine
// is the connection's only one.
func (h *bareHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := h.up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	h.mu.Lock()
	h.conns[c] = struct{}{}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.conns, c)
		h.mu.Unlock()
		c.Close()
	}()
	for {
		if _, _, err := c.NextReader(); err != nil {
			return
		}
	}
}

// listen LISTENs on the indexer's channel on its own connection and broadcasts every payload
// until ctx ends. ready is closed once LISTEN has run.
func (h *bareHub) listen(ctx context.Context, url string, ready chan<- struct{}) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{indexer.NotifyChannel}.Sanitize()); err != nil {
		return fmt.Errorf("listening: %w", err)
	}
	close(ready)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("waiting for a notification: %w", err)
		}
		at := time.Now()
		if b, ok := maxJSONUint([]byte(n.Payload), []byte(`"to"`)); ok {
			h.nmu.Lock()
			h.notified[b] = at
			h.nmu.Unlock()
		}
		h.broadcast([]byte(n.Payload))
	}
}

// notifiedAt returns when the listener received block b's notification.
func (h *bareHub) notifiedAt(b uint64) (time.Time, bool) {
	h.nmu.Lock()
	defer h.nmu.Unlock()
	t, ok := h.notified[b]
	return t, ok
}

// broadcast writes msg to every connection, the connections split among as many goroutines as
// there are cores. A failed write is left to the reader to notice.
func (h *bareHub) broadcast(msg []byte) {
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, msg)
	if err != nil {
		return
	}
	h.mu.Lock()
	conns := make([]*websocket.Conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(conns); i += workers {
				_ = conns[i].SetWriteDeadline(time.Now().Add(5 * time.Second))
				_ = conns[i].WritePreparedMessage(pm)
			}
		})
	}
	wg.Wait()
}

// count returns the number of connections open.
func (h *bareHub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}
