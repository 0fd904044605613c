package graphql

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/gorilla/websocket"
	"github.com/vektah/gqlparser/v2/ast"
)

// liveTransport is gqlgen's Transport for subscriptions: websockets (graphql-transport-ws and
// the legacy graphql-ws) and server-sent events, on the same URL as queries. It is added first,
// so that an SSE GET or POST is not taken for a plain query. gqlgen's own websocket transport is
// not used: it spends several goroutines per connection and one per subscription; this one keeps
// one goroutine per idle connection and writes through a shared pool (see graphql/doc.go).
type liveTransport struct{ s *subscriptions }

var _ gql.Transport = liveTransport{}

func (liveTransport) Supports(r *http.Request) bool { return isLive(r) }

func (t liveTransport) Do(w http.ResponseWriter, r *http.Request, exec gql.GraphExecutor) {
	if websocket.IsWebSocketUpgrade(r) {
		t.s.serveWS(w, r, exec)
		return
	}
	t.s.serveSSE(w, r, exec)
}

// isLive reports a websocket upgrade or an event-stream request.
func isLive(r *http.Request) bool {
	if websocket.IsWebSocketUpgrade(r) {
		return true
	}
	return (r.Method == http.MethodGet || r.Method == http.MethodPost) && strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

// selectProtocol picks the subprotocol as the upgrader will: graphql-transport-ws when offered
// (or when nothing is), else graphql-ws.
func selectProtocol(r *http.Request) protocol {
	offered := websocket.Subprotocols(r)
	for _, p := range offered {
		if p == protocolNames[protoTransportWS] {
			return protoTransportWS
		}
	}
	for _, p := range offered {
		if p == protocolNames[protoGraphQLWS] {
			return protoGraphQLWS
		}
	}
	return protoTransportWS
}

func (s *subscriptions) serveWS(w http.ResponseWriter, r *http.Request, exec gql.GraphExecutor) {
	c := &liveConn{s: s, proto: selectProtocol(r), ip: clientIP(r), exec: exec, authz: r.Header.Get("Authorization")}
	if !s.addConn(c) {
		s.m.rejected.WithLabelValues("connections_per_ip").Inc()
		http.Error(w, "too many live connections from this address, or the server is shutting down", http.StatusTooManyRequests)
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.removeConn(c) // the upgrader answered the client
		return
	}
	// Deadlines the HTTP server set on the connection survive the hijack.
	ws.NetConn().SetDeadline(time.Time{}) //nolint:errcheck // the reader's deadline follows
	c.ws = ws
	c.start()
	// The request's goroutine returns (net/http then frees what it held); a fresh goroutine with a
	// small stack reads.
	go c.readLoop()
}

// idleTimeout is how long a websocket may stay silent (pongs count) before it is closed.
func (s *subscriptions) idleTimeout() time.Duration { return 3*s.lim.KeepAlive + 5*time.Second }

// wsMessage is a message of either websocket protocol.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

func (c *liveConn) readLoop() {
	defer c.cleanup()
	defer c.ws.NetConn().Close() //nolint:errcheck // the connection is over
	c.ws.SetReadLimit(c.s.lim.MaxMessageBytes)
	c.ws.SetReadDeadline(time.Now().Add(c.s.lim.InitTimeout)) //nolint:errcheck // a failed deadline fails the read
	c.ws.SetPongHandler(func(string) error {
		return c.ws.SetReadDeadline(time.Now().Add(c.s.idleTimeout()))
	})
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			c.mu.Lock()
			acked := c.acked
			c.mu.Unlock()
			var ne interface{ Timeout() bool }
			if !acked && errors.As(err, &ne) && ne.Timeout() {
				c.s.m.rejected.WithLabelValues("init_timeout").Inc()
				c.close(4408, "Connection initialisation timeout", closeGrace)
				c.writing.Wait()
			}
			return
		}
		c.mu.Lock()
		closing, acked := c.closing, c.acked
		c.mu.Unlock()
		if closing {
			continue // the writer closes the socket once the close frame is out
		}
		if acked {
			c.ws.SetReadDeadline(time.Now().Add(c.s.idleTimeout())) //nolint:errcheck // a failed deadline fails the read
		}
		var m wsMessage
		if err := json.Unmarshal(data, &m); err != nil {
			c.close(4400, "Invalid message received", closeGrace)
			continue
		}
		c.handle(&m)
	}
}

// handle answers one client message.
func (c *liveConn) handle(m *wsMessage) {
	legacy := c.proto == protoGraphQLWS
	switch m.Type {
	case "connection_init":
		c.mu.Lock()
		again := c.acked
		c.mu.Unlock()
		if again {
			c.close(4429, "Too many initialisation requests", closeGrace)
			return
		}
		if h := initAuthorization(m.Payload); h != "" {
			c.authz = h
		}
		if err := c.s.auth(context.Background(), c.authz); err != nil {
			c.s.m.rejected.WithLabelValues("auth").Inc()
			if legacy {
				b, _ := json.Marshal(map[string]string{"message": err.Error()})
				c.send(outMsg{kind: msgConnError, data: b})
			}
			c.close(4403, "Forbidden", closeGrace)
			return
		}
		c.mu.Lock()
		c.acked = true
		c.mu.Unlock()
		c.ws.SetReadDeadline(time.Now().Add(c.s.idleTimeout())) //nolint:errcheck // a failed deadline fails the read
		c.send(outMsg{kind: msgAck})
		if legacy {
			c.send(outMsg{kind: msgKeepAlive})
		}
	case "ping":
		c.send(outMsg{kind: msgPong})
	case "pong", "ka":
	case "subscribe", "start":
		c.mu.Lock()
		acked := c.acked
		c.mu.Unlock()
		switch {
		case !acked:
			c.close(4401, "Unauthorized", closeGrace)
		case m.ID == "":
			c.close(4400, "Invalid message received: no id", closeGrace)
		default:
			// Validation and the first read need a deep stack; run them on a goroutine of their
			// own, so that the reader's stack, which lives as long as the connection, stays small.
			done := make(chan struct{})
			go func() { defer close(done); c.startOp(m.ID, m.Payload) }()
			<-done
		}
	case "complete", "stop":
		if sub := c.removeSub(m.ID); sub != nil {
			sub.done.Store(true)
			c.s.leave(sub)
		}
	case "connection_terminate":
		c.close(websocket.CloseNormalClosure, "", closeGrace)
	default:
		c.close(4400, "Invalid message received", closeGrace)
	}
}

// initAuthorization finds the bearer token in a connection_init payload: {"Authorization":
// "Bearer …"} (any case), {"headers": {"Authorization": …}}, or {"authToken": …}.
func initAuthorization(payload json.RawMessage) string {
	var p map[string]any
	if len(payload) == 0 || json.Unmarshal(payload, &p) != nil {
		return ""
	}
	if h, ok := p["headers"].(map[string]any); ok {
		for k, v := range h {
			p[k] = v
		}
	}
	for k, v := range p {
		s, ok := v.(string)
		if !ok || s == "" {
			continue
		}
		switch strings.ToLower(k) {
		case "authorization":
			return s
		case "authtoken", "token":
			return "Bearer " + strings.TrimPrefix(s, "Bearer ")
		}
	}
	return ""
}

// startOp begins one operation: validated by gqlgen's executor; a query or mutation answers once,
// a subscription joins its group.
func (c *liveConn) startOp(id string, payload json.RawMessage) {
	qid, _ := json.Marshal(id)
	sub := &subscription{conn: c, id: id, qid: qid}
	ok, dup := c.addSub(sub)
	switch {
	case dup && c.proto == protoTransportWS:
		c.close(4409, "Subscriber for "+id+" already exists", closeGrace)
		return
	case dup:
		c.send(outMsg{kind: msgError, sub: &subscription{conn: c, id: id, qid: qid}, data: errorJSON("operation "+id+" is already running", "BAD_USER_INPUT")})
		return
	case !ok:
		c.s.m.rejected.WithLabelValues("subscriptions_per_connection").Inc()
		c.send(outMsg{kind: msgError, sub: sub, data: errorJSON("too many operations on this connection (the limit is "+itoa(c.s.lim.MaxPerConnection)+")", "TOO_MANY_SUBSCRIPTIONS")})
		return
	}
	var p gql.RawParams
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		c.fail(sub, errorJSON("the payload is not a GraphQL request: "+err.Error(), "BAD_REQUEST"))
		return
	}
	if failed := c.s.begin(context.Background(), c, sub, &p); failed != nil {
		c.fail(sub, failed)
	}
}

// fail ends an operation with errors.
func (c *liveConn) fail(sub *subscription, errs []byte) {
	c.removeSub(sub.id)
	c.send(outMsg{kind: msgError, sub: sub, data: errs})
}

// begin validates and starts an operation of a live connection; it returns the errors to end
// it with instead.
func (s *subscriptions) begin(ctx context.Context, c *liveConn, sub *subscription, p *gql.RawParams) []byte {
	ctx = gql.StartOperationTrace(WithAuthorization(ctx, c.authz))
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	oc, errs := c.exec.CreateOperationContext(ctx, p)
	if errs != nil {
		resp := c.exec.DispatchError(gql.WithOperationContext(ctx, oc), errs)
		b, _ := json.Marshal(resp.Errors)
		return b
	}
	return s.beginOp(ctx, c, sub, oc, p.Variables)
}

// beginOp starts a validated operation.
func (s *subscriptions) beginOp(ctx context.Context, c *liveConn, sub *subscription, oc *gql.OperationContext, vars map[string]any) []byte {
	if oc.Operation.Operation != ast.Subscription {
		var buf bytes.Buffer
		writeResponse(&buf, s.operation(ctx, c.exec, oc))
		c.removeSub(sub.id)
		c.send(outMsg{kind: msgNext, sub: sub, data: buf.Bytes()})
		c.send(outMsg{kind: msgComplete, sub: sub})
		return nil
	}
	return s.subscribe(ctx, c.exec, oc, vars, sub)
}

// writeWS writes one message as a websocket frame of the connection's protocol.
func (c *liveConn) writeWS(m *outMsg, deadline time.Time) error {
	switch m.kind {
	case msgKeepAlive:
		if err := c.ws.WriteControl(websocket.PingMessage, nil, deadline); err != nil {
			return err
		}
		if c.proto != protoGraphQLWS {
			return nil
		}
	case msgClose:
		c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(c.closeCode, c.closeText), deadline) //nolint:errcheck // closing anyway
		return errClosed
	}
	c.ws.SetWriteDeadline(deadline) //nolint:errcheck // a failed deadline fails the write
	if m.frame != nil {
		return c.ws.WritePreparedMessage(m.frame)
	}
	w, err := c.ws.NextWriter(websocket.TextMessage)
	if err != nil {
		return err
	}
	var id []byte
	if m.sub != nil {
		id = m.sub.qid
	}
	switch m.kind {
	case msgNext:
		typ := `,"type":"next","payload":`
		if c.proto == protoGraphQLWS {
			typ = `,"type":"data","payload":`
		}
		writeFrame(w, `{"id":`, id, typ, m.data, `}`)
	case msgError:
		writeFrame(w, `{"id":`, id, `,"type":"error","payload":`, m.data, `}`)
	case msgComplete:
		writeFrame(w, `{"id":`, id, `,"type":"complete"}`, nil, "")
	case msgAck:
		writeFrame(w, `{"type":"connection_ack"}`, nil, "", nil, "")
	case msgPong:
		writeFrame(w, `{"type":"pong"}`, nil, "", nil, "")
	case msgKeepAlive:
		writeFrame(w, `{"type":"ka"}`, nil, "", nil, "")
	case msgConnError:
		writeFrame(w, `{"type":"connection_error","payload":`, nil, "", m.data, `}`)
	}
	return w.Close()
}

// preparedNext is a next (or, for graphql-ws, data) frame, ready for many connections.
func preparedNext(proto protocol, qid, payload []byte) *websocket.PreparedMessage {
	typ := `,"type":"next","payload":`
	if proto == protoGraphQLWS {
		typ = `,"type":"data","payload":`
	}
	b := make([]byte, 0, len(qid)+len(payload)+40)
	b = append(append(append(append(append(b, `{"id":`...), qid...), typ...), payload...), '}')
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, b)
	if err != nil { // only compression can fail, and it is off
		return nil
	}
	return pm
}

// errClosed ends a flush after the close frame.
var errClosed = errors.New("connection closed")

// writeFrame writes head, id, mid, data and tail; the frame's error is reported by its Close.
func writeFrame(w io.Writer, head string, id []byte, mid string, data []byte, tail string) {
	io.WriteString(w, head) //nolint:errcheck // see Close
	w.Write(id)             //nolint:errcheck // see Close
	io.WriteString(w, mid)  //nolint:errcheck // see Close
	w.Write(data)           //nolint:errcheck // see Close
	io.WriteString(w, tail) //nolint:errcheck // see Close
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
