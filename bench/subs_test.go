package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The load client against a minimal graphql-transport-ws server (ack, subscribe, pings, next)
// and against the bare baseline hub: the client counts each block once per connection, skips
// what it cannot read as a block, and answers pings.

// echoWS is a minimal graphql-transport-ws server: it acknowledges, records subscriptions, pings
// each new subscriber once and sends "next" messages on demand.
type echoWS struct {
	mu   sync.Mutex
	subs map[*websocket.Conn]string // connection -> subscription id
	up   websocket.Upgrader
}

func (e *echoWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := e.up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	for {
		var m struct {
			ID      string          `json:"id"`
			Type    string          `json:"type"`
			Payload json.RawMessage `json:"payload"`
		}
		if err := c.ReadJSON(&m); err != nil {
			e.mu.Lock()
			delete(e.subs, c)
			e.mu.Unlock()
			return
		}
		switch m.Type {
		case "connection_init":
			e.mu.Lock()
			err = c.WriteJSON(map[string]string{"type": "connection_ack"})
			e.mu.Unlock()
		case "subscribe":
			e.mu.Lock()
			e.subs[c] = m.ID
			err = c.WriteJSON(map[string]string{"type": "ping"})
			e.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

func (e *echoWS) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.subs)
}

// next sends every subscriber a newBlocks result for block b.
func (e *echoWS) next(t *testing.T, b uint64) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	for c, id := range e.subs {
		msg := fmt.Sprintf(`{"id":%q,"type":"next","payload":{"data":{"newBlocks":{"hash":"0x12","number":"%d","parentNumber":"7"}}}}`, id, b)
		if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatalf("writing next: %v", err)
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestSubsClientTransportWS(t *testing.T) {
	t.Parallel()
	srv := &echoWS{subs: map[*websocket.Conn]string{}, up: websocket.Upgrader{Subprotocols: []string{protoTransportWS}}}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	const n = 20
	c := newSubsClient()
	defer c.closeAll()
	rep := c.do(context.Background(), subsCmd{Op: "connect", URL: "ws" + strings.TrimPrefix(hs.URL, "http"), Proto: protoTransportWS,
		Query: "subscription { newBlocks { number } }", Key: "number", N: n})
	if rep.Err != "" || rep.Conns != n {
		t.Fatalf("connect: %+v", rep)
	}
	waitFor(t, "subscriptions", func() bool { return srv.count() == n })

	srv.next(t, 1)
	if rep := c.collect(1, 5*time.Second); rep.Got != n || len(rep.Recv) != n {
		t.Fatalf("block 1: got %d, %d times; want %d", rep.Got, len(rep.Recv), n)
	}
	srv.next(t, 1) // a repeat counts once
	srv.next(t, 3) // block 2 is skipped: seen by all, received by none
	if rep := c.collect(2, 5*time.Second); rep.Got != n || len(rep.Recv) != 0 {
		t.Fatalf("block 2: got %d, %d times; want %d, 0", rep.Got, len(rep.Recv), n)
	}
	if rep := c.collect(3, 5*time.Second); rep.Got != n || len(rep.Recv) != n {
		t.Fatalf("block 3: got %d, %d times; want %d", rep.Got, len(rep.Recv), n)
	}
	if rep := c.collect(4, 10*time.Millisecond); rep.Got != 0 {
		t.Fatalf("block 4 was never sent, but %d saw it", rep.Got)
	}
	c.closeAll()
	if rep := c.do(context.Background(), subsCmd{Op: "close"}); rep.Dropped != 0 || rep.Conns != 0 {
		t.Fatalf("after close: %+v", rep)
	}
}

func TestSubsClientBare(t *testing.T) {
	t.Parallel()
	hub := newBareHub()
	hs := httptest.NewServer(hub)
	defer hs.Close()
	const n = 50
	c := newSubsClient()
	defer c.closeAll()
	if rep := c.do(context.Background(), subsCmd{Op: "connect", URL: "ws" + strings.TrimPrefix(hs.URL, "http"), Proto: protoBare, Key: "to", N: n}); rep.Err != "" {
		t.Fatalf("connect: %s", rep.Err)
	}
	waitFor(t, "connections", func() bool { return hub.count() == n })
	hub.broadcast([]byte(`{"chain_id":1337,"from":9,"to":9,"tables":["evt_x"]}`))
	if rep := c.collect(9, 5*time.Second); rep.Got != n || len(rep.Recv) != n {
		t.Fatalf("block 9: got %d, %d times; want %d", rep.Got, len(rep.Recv), n)
	}
}

func TestMaxJSONUint(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		msg, key string
		want     uint64
		ok       bool
	}{
		{`{"number":"12"}`, "number", 12, true},
		{`{"number": 12}`, "number", 12, true},
		{`[{"blockNumber":"5"},{"blockNumber":"17"},{"blockNumber":"9"}]`, "blockNumber", 17, true},
		{`{"blockNumber":"5"}`, "number", 0, false},
		{`{"number":null}`, "number", 0, false},
		{`{"from":3,"to":4}`, "to", 4, true},
	} {
		got, ok := maxJSONUint([]byte(tc.msg), []byte(`"`+tc.key+`"`))
		if got != tc.want || ok != tc.ok {
			t.Errorf("maxJSONUint(%s, %s) = %d, %v; want %d, %v", tc.msg, tc.key, got, ok, tc.want, tc.ok)
		}
	}
}

func TestEnvelope(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		msg, typ, payload string
		ok                bool
	}{
		{`{"id":"1","type":"next","payload":{"data":{"a":[1,{"b":"}\""}]}}}`, "next", `{"data":{"a":[1,{"b":"}\""}]}}`, true},
		{`{"payload": {"type":"inner"} , "type" : "next", "id":"1"}`, "next", `{"type":"inner"}`, true},
		{`{"type":"ping"}`, "ping", "", true},
		{`{"type":"complete","id":"1"}`, "complete", "", true},
		{`{"id":"1"}`, "", "", false},
		{`{"type":"next","payload":{"data":`, "", "", false},
		{`[1]`, "", "", false},
	} {
		typ, payload, ok := envelope([]byte(tc.msg))
		if typ != tc.typ || string(payload) != tc.payload || ok != tc.ok {
			t.Errorf("envelope(%s) = %q, %s, %v; want %q, %s, %v", tc.msg, typ, payload, ok, tc.typ, tc.payload, tc.ok)
		}
	}
}
