package graphql

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/gorilla/websocket"
)

// The protocols a live connection speaks.
type protocol uint8

const (
	protoTransportWS protocol = iota // graphql-transport-ws (graphql-ws.js, current clients)
	protoGraphQLWS                   // graphql-ws (subscriptions-transport-ws, legacy Apollo clients)
	protoSSE                         // server-sent events (graphql-sse's distinct connections mode)
)

var protocolNames = [...]string{"graphql-transport-ws", "graphql-ws", "sse"}

// msgKind is what an outgoing message is; the protocol decides how it is framed.
type msgKind uint8

const (
	msgNext      msgKind = iota // a result: data is an execution result ({"data": ...})
	msgError                    // an operation failed: data is a JSON array of GraphQL errors
	msgComplete                 // an operation ended
	msgAck                      // connection_ack
	msgKeepAlive                // a websocket ping (and graphql-ws' ka), or an SSE comment
	msgPong                     // graphql-transport-ws pong
	msgConnError                // graphql-ws connection_error: data is {"message": ...}
	msgClose                    // a close frame (closeCode, closeText), then the socket is closed
)

// outMsg is one message waiting in a connection's outbox. data is shared: a group renders a
// result once and every member's outbox holds the same bytes.
type outMsg struct {
	kind  msgKind
	sub   *subscription
	data  []byte
	frame *websocket.PreparedMessage // the whole websocket frame, shared by members with one id
	at    time.Time                  // when the commit it answers was received (zero: not a delivery to time)
}

// subscription is one operation of a connection.
type subscription struct {
	conn  *liveConn
	qid   []byte // the client's id, JSON-quoted
	id    string
	group *group
	idx   int // the position in group.members (guarded by group.mu)
	kind  subKind
	done  atomic.Bool // the client completed it or it ended: nothing more is sent
}

// liveConn is one client connection, websocket or SSE. It costs one goroutine while idle (the
// websocket reader, or the SSE request's own); writes are made by the shared writer pool while
// the outbox holds something.
type liveConn struct {
	s     *subscriptions
	proto protocol
	ws    *websocket.Conn // websocket protocols
	sse   *sseStream      // SSE
	ip    string
	authz string // the Authorization value the connection was authenticated with
	exec  gql.GraphExecutor

	writing sync.WaitGroup // held while the connection is scheduled on the writer pool

	mu        sync.Mutex
	queue     []outMsg
	queued    int // bytes of data in queue
	scheduled bool
	closing   bool      // only the final messages already queued go out
	closeBy   time.Time // set when closing: writes are cut short past it
	closed    bool      // cleaned up: nothing more is written
	started   bool      // the socket or stream is set up: messages may be queued
	acked     bool
	subs      []*subscription
	closeCode int
	closeText string
}

// send queues a message; false when the connection is closing or was just dropped for being too
// slow (its outbox was full).
func (c *liveConn) send(m outMsg) bool {
	c.mu.Lock()
	if c.closing || c.closed || !c.started {
		c.mu.Unlock()
		return false
	}
	if len(c.queue) >= c.s.lim.MaxQueued || c.queued+len(m.data) > c.s.lim.MaxQueuedBytes {
		c.tooSlowLocked()
		c.mu.Unlock()
		return false
	}
	c.queue = append(c.queue, m)
	c.queued += len(m.data)
	c.scheduleLocked()
	c.mu.Unlock()
	return true
}

// scheduleLocked puts the connection on the writer pool unless it is there already.
func (c *liveConn) scheduleLocked() {
	if c.scheduled || c.closed || !c.started {
		return
	}
	c.scheduled = true
	c.writing.Add(1)
	c.s.writers.schedule(c)
}

// tooSlowLocked drops a client whose outbox is full: what it has not read is discarded, each of
// its operations gets a TOO_SLOW error, and the connection is closed. A write already blocked
// on the client is cut short so that the pool's writer is not held.
func (c *liveConn) tooSlowLocked() {
	c.s.m.drops.WithLabelValues("too_slow").Inc()
	c.s.log.Warn("graphql: dropping a subscriber that does not keep up", "ip", c.ip, "protocol", protocolNames[c.proto], "queued", len(c.queue))
	c.queue, c.queued = nil, 0
	for _, sub := range c.subs {
		c.queue = append(c.queue, outMsg{kind: msgError, sub: sub, data: errTooSlowJSON})
	}
	c.closeLocked(1013, "too slow: the client did not read its messages in time", closeGrace)
}

// closeLocked queues the close frame after what is queued and marks the connection closing.
func (c *liveConn) closeLocked(code int, text string, grace time.Duration) {
	if c.closing || c.closed {
		return
	}
	c.closing, c.closeCode, c.closeText = true, code, text
	c.closeBy = time.Now().Add(grace)
	c.queue = append(c.queue, outMsg{kind: msgClose})
	if c.started {
		c.cutWrites(c.closeBy)
	}
	c.scheduleLocked()
}

// start marks the socket or stream set up.
func (c *liveConn) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.started = true
	if len(c.queue) > 0 { // closed while it was being set up
		c.scheduleLocked()
	}
}

// close closes the connection after the messages already queued, within grace.
func (c *liveConn) close(code int, text string, grace time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeLocked(code, text, grace)
}

// cutWrites bounds a write in progress.
func (c *liveConn) cutWrites(by time.Time) {
	switch {
	case c.ws != nil:
		c.ws.NetConn().SetWriteDeadline(by) //nolint:errcheck // a closed connection fails the write anyway
	case c.sse != nil:
		c.sse.rc.SetWriteDeadline(by) //nolint:errcheck // not every ResponseWriter supports deadlines
	}
}

// flush writes the outbox until it is empty; it runs on a pool writer.
func (c *liveConn) flush() {
	for {
		c.mu.Lock()
		msgs := c.queue
		c.queue, c.queued = nil, 0
		if len(msgs) == 0 || c.closed {
			c.scheduled = false
			c.mu.Unlock()
			c.writing.Done()
			return
		}
		deadline := time.Now().Add(c.s.lim.WriteTimeout)
		if c.closing && c.closeBy.Before(deadline) {
			deadline = c.closeBy
		}
		c.mu.Unlock()
		for i := range msgs {
			if err := c.write(&msgs[i], deadline); err != nil {
				c.abort()
				break
			}
		}
	}
}

// write writes one message.
func (c *liveConn) write(m *outMsg, deadline time.Time) error {
	if m.sub != nil && m.sub.done.Load() {
		return nil
	}
	if m.kind == msgComplete || m.kind == msgError {
		if m.sub != nil && !m.sub.done.CompareAndSwap(false, true) {
			return nil
		}
	}
	var err error
	if c.sse != nil {
		err = c.sse.write(m, deadline)
	} else {
		err = c.writeWS(m, deadline)
	}
	if err == nil && m.kind == msgNext && !m.at.IsZero() {
		c.s.m.delivery.Observe(time.Since(m.at).Seconds())
	}
	if err == nil && m.kind == msgNext {
		c.s.m.messages.Inc()
	}
	return err
}

// abort ends a connection whose writes failed (or that was told to close): the socket is closed,
// which ends its reader, which cleans up.
func (c *liveConn) abort() {
	switch {
	case c.ws != nil:
		c.ws.NetConn().Close() //nolint:errcheck // closing is all that is left
	case c.sse != nil:
		c.sse.finish()
	}
}

// addSub registers an operation id; false if the id is taken or the limit reached (the error
// says which).
func (c *liveConn) addSub(sub *subscription) (ok, dup bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.subs {
		if s.id == sub.id {
			return false, true
		}
	}
	if len(c.subs) >= c.s.lim.MaxPerConnection || c.closing || c.closed {
		return false, false
	}
	c.subs = append(c.subs, sub)
	return true, false
}

// removeSub forgets an operation; it returns the subscription if there was one.
func (c *liveConn) removeSub(id string) *subscription {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, s := range c.subs {
		if s.id == id {
			c.subs = append(c.subs[:i], c.subs[i+1:]...)
			return s
		}
	}
	return nil
}

// cleanup runs once when the connection ends: its operations leave their groups and it is
// forgotten. The caller owns the connection's goroutine (the websocket reader or the SSE request).
func (c *liveConn) cleanup() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	subs := c.subs
	c.subs, c.queue, c.queued = nil, nil, 0
	c.mu.Unlock()
	for _, sub := range subs {
		sub.done.Store(true)
		c.s.leave(sub)
	}
	c.s.removeConn(c)
}

// closeGrace bounds how long a connection being closed may take to write its last messages.
const closeGrace = time.Second

// errTooSlowJSON is the error a dropped subscriber's operations end with.
var errTooSlowJSON = []byte(`[{"message":"too slow: the client did not read its messages in time and was disconnected","extensions":{"code":"TOO_SLOW"}}]`)

// writers is the pool that writes outboxes. It has no goroutine while nothing is to be written:
// a writer starts when a connection is scheduled and fewer than max are running, and stops when
// no connection is waiting.
type writers struct {
	max int

	mu     sync.Mutex
	ready  []*liveConn
	head   int
	active int
}

func (w *writers) schedule(c *liveConn) {
	w.mu.Lock()
	w.ready = append(w.ready, c)
	start := w.active < w.max
	if start {
		w.active++
	}
	w.mu.Unlock()
	if start {
		go w.work()
	}
}

func (w *writers) work() {
	for {
		w.mu.Lock()
		if w.head == len(w.ready) {
			w.ready, w.head = w.ready[:0], 0
			w.active--
			w.mu.Unlock()
			return
		}
		c := w.ready[w.head]
		w.ready[w.head] = nil
		w.head++
		w.mu.Unlock()
		c.flush()
	}
}

// clientIP is the address a connection counts against (the peer; proxies are not trusted).
func clientIP(r *http.Request) string {
	addr := r.RemoteAddr
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			return addr[:i]
		}
	}
	return addr
}
