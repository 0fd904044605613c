package graphql_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/graphql"
	"github.com/rahataid/rahat/graphql/live"
)

// liveServer is a GraphQL server with subscriptions: its own hub on db, behind an httptest
// server.
type liveServer struct {
	url, wsURL string
	srv        *graphql.Server
	hub        *live.Hub
	reg        *prometheus.Registry
	close      func()
}

// serveLive starts a hub on db and a server on it, and waits until the hub listens; mod and
// hubMod adjust their configurations.
func serveLive(t testing.TB, db *pgxpool.Pool, mod func(*graphql.Config), hubMod func(*live.Config)) *liveServer {
	t.Helper()
	ls := startLive(t, db, mod, hubMod)
	if _, err := ls.hub.WaitFor(testCtx(t, 30*time.Second), func(s live.Status) bool { return s.Listening }); err != nil {
		t.Fatalf("the hub does not listen: %v", err)
	}
	return ls
}

// startLive is serveLive without the wait: the hub may still be connecting when it returns.
func startLive(t testing.TB, db *pgxpool.Pool, mod func(*graphql.Config), hubMod func(*live.Config)) *liveServer {
	t.Helper()
	hcfg := live.Config{Primary: db, Logger: testLogger(t), Registry: prometheus.NewRegistry(),
		RetryBase: 10 * time.Millisecond, RetryMax: 100 * time.Millisecond}
	if hubMod != nil {
		hubMod(&hcfg)
	}
	hub, err := live.New(hcfg)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	cfg := graphql.Config{DB: db, Logger: testLogger(t), Registry: reg, Live: hub}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := graphql.NewServer(cfg)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/graphql", srv)
	hs := httptest.NewServer(mux)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- hub.Run(ctx) }()
	var once bool
	stop := func() {
		if once {
			return
		}
		once = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("hub: %v", err)
		}
		hs.Close()
	}
	t.Cleanup(stop)
	return &liveServer{url: hs.URL + "/graphql", wsURL: "ws" + strings.TrimPrefix(hs.URL, "http") + "/graphql", srv: srv, hub: hub, reg: reg, close: stop}
}

// dumpOnTimeout writes every goroutine's stack to stderr when err is a timeout. The clients and
// the server share the test process, so the dump shows where a message that never came is stuck
// (a flaky read is then diagnosable from the one failing run).
func dumpOnTimeout(err error) {
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		fmt.Fprintln(os.Stderr, "a live test client timed out; the goroutines:")
		pprof.Lookup("goroutine").WriteTo(os.Stderr, 1) //nolint:errcheck // best effort
	}
}

// wsMsg is a websocket message of either protocol.
type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
	seq     int             // arrival order on the connection
}

// wsClient is a subscriber over a real websocket.
type wsClient struct {
	t       testing.TB
	c       *websocket.Conn
	proto   string
	pending []wsMsg // read while looking for another operation's message
	seq     int
}

// dialWS connects with a subprotocol and, unless init is nil, sends connection_init with it and
// waits for the ack.
func dialWS(t testing.TB, url, proto string, init map[string]any) *wsClient {
	t.Helper()
	d := websocket.Dialer{Subprotocols: []string{proto}, HandshakeTimeout: 10 * time.Second}
	c, resp, err := d.Dial(url, nil)
	if err != nil {
		t.Fatalf("dialling %s: %v (%v)", url, err, resp)
	}
	t.Cleanup(func() { c.Close() })
	if c.Subprotocol() != proto {
		t.Fatalf("subprotocol %q, want %q", c.Subprotocol(), proto)
	}
	w := &wsClient{t: t, c: c, proto: proto}
	if init != nil {
		w.send(wsMsg{Type: "connection_init", Payload: mustJSON(t, init)})
		if m := w.next(10 * time.Second); m.Type != "connection_ack" {
			t.Fatalf("want connection_ack, got %+v", m)
		}
	}
	return w
}

func mustJSON(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (w *wsClient) send(m wsMsg) {
	w.t.Helper()
	if err := w.c.WriteJSON(m); err != nil {
		w.t.Fatalf("writing %+v: %v", m, err)
	}
}

// subscribe starts an operation (subscribe or, for graphql-ws, start).
func (w *wsClient) subscribe(id, query string, vars map[string]any) {
	w.t.Helper()
	typ := "subscribe"
	if w.proto == "graphql-ws" {
		typ = "start"
	}
	w.send(wsMsg{ID: id, Type: typ, Payload: mustJSON(w.t, map[string]any{"query": query, "variables": vars})})
}

// next reads the next message other than keep-alives, failing the test after timeout.
func (w *wsClient) next(timeout time.Duration) wsMsg {
	w.t.Helper()
	m, err := w.read(timeout)
	if err != nil {
		dumpOnTimeout(err)
		w.t.Fatalf("reading: %v", err)
	}
	return m
}

func (w *wsClient) read(timeout time.Duration) (wsMsg, error) {
	w.c.SetReadDeadline(time.Now().Add(timeout))
	for {
		var m wsMsg
		if err := w.c.ReadJSON(&m); err != nil {
			return m, err
		}
		if m.Type != "ka" && m.Type != "ping" {
			w.seq++
			m.seq = w.seq
			return m, nil
		}
	}
}

// nextOf returns the next message of operation id, keeping the others for later.
func (w *wsClient) nextOf(id string, timeout time.Duration) wsMsg {
	w.t.Helper()
	for i, m := range w.pending {
		if m.ID == id {
			w.pending = append(w.pending[:i], w.pending[i+1:]...)
			return m
		}
	}
	for {
		m := w.next(timeout)
		if m.ID == id {
			return m
		}
		w.pending = append(w.pending, m)
	}
}

// data reads the next result of operation id and decodes its data into out.
func (w *wsClient) data(id string, out any) {
	w.t.Helper()
	w.dataSeq(id, out)
}

// dataSeq is data that also returns the message's arrival order on the connection.
func (w *wsClient) dataSeq(id string, out any) int {
	w.t.Helper()
	m := w.nextOf(id, 30*time.Second)
	want := "next"
	if w.proto == "graphql-ws" {
		want = "data"
	}
	if m.ID != id || m.Type != want {
		w.t.Fatalf("want %s of %s, got %+v (%s)", want, id, m, m.Payload)
	}
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal(m.Payload, &r); err != nil {
		w.t.Fatalf("decoding %s: %v", m.Payload, err)
	}
	if len(r.Errors) > 0 {
		w.t.Fatalf("errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		w.t.Fatalf("decoding %s: %v", r.Data, err)
	}
	return m.seq
}
