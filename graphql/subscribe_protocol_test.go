package graphql_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rahataid/rahat/graphql"
)

// closeCode reads until the server closes the connection and returns the close code.
func (w *wsClient) closeCode() int {
	w.t.Helper()
	for {
		_, err := w.read(30 * time.Second)
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code
		}
		w.t.Fatalf("want a close frame, got %v", err)
		return 0
	}
}

// errorsOf decodes an error message's payload.
func errorsOf(t *testing.T, m wsMsg) []gqlError {
	t.Helper()
	var errs []gqlError
	if m.Type != "error" || json.Unmarshal(m.Payload, &errs) != nil || len(errs) == 0 {
		t.Fatalf("want an error message, got %+v (%s)", m, m.Payload)
	}
	return errs
}

// TestLiveProtocol checks the websocket protocols' rules and the limits, message by message.
func TestLiveProtocol(t *testing.T) {
	t.Parallel()
	f := newFakeCommits(t)
	ls := serveLive(t, f.db, func(c *graphql.Config) {
		c.Subscriptions = graphql.SubscriptionLimits{MaxPerConnection: 2, InitTimeout: 300 * time.Millisecond, MaxMessageBytes: 4096}
	}, nil)
	const blocks = `subscription { newBlocks { number } }`

	t.Run("close codes", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			do   func(c *wsClient)
			code int
		}{
			{"subscribe before init", func(c *wsClient) { c.subscribe("1", blocks, nil) }, 4401},
			{"init twice", func(c *wsClient) {
				c.send(wsMsg{Type: "connection_init"})
				c.next(10 * time.Second)
				c.send(wsMsg{Type: "connection_init"})
			}, 4429},
			{"init timeout", func(*wsClient) {}, 4408},
			{"not JSON", func(c *wsClient) { c.c.WriteMessage(websocket.TextMessage, []byte("hello")) }, 4400},
			{"unknown type", func(c *wsClient) { c.send(wsMsg{Type: "hello"}) }, 4400},
			{"too big", func(c *wsClient) {
				c.send(wsMsg{Type: "connection_init", Payload: mustJSON(t, map[string]string{"pad": strings.Repeat("x", 5000)})})
			}, websocket.CloseMessageTooBig},
			{"duplicate id", func(c *wsClient) {
				c.send(wsMsg{Type: "connection_init"})
				c.next(10 * time.Second)
				c.subscribe("1", blocks, nil)
				c.subscribe("1", blocks, nil)
			}, 4409},
		} {
			c := dialWS(t, ls.wsURL, "graphql-transport-ws", nil)
			tc.do(c)
			if code := c.closeCode(); code != tc.code {
				t.Errorf("%s: close %d, want %d", tc.name, code, tc.code)
			}
		}
	})

	t.Run("operations", func(t *testing.T) {
		c := dialWS(t, ls.wsURL, "graphql-transport-ws", map[string]any{})
		c.subscribe("bad", `subscription { newBlock { number } }`, nil)
		if errs := errorsOf(t, c.nextOf("bad", 10*time.Second)); !strings.Contains(errs[0].Message, "newBlock") {
			t.Errorf("validation: %+v", errs)
		}
		c.subscribe("deep", `subscription { transfers(first: 5000) { id } }`, nil)
		if errs := errorsOf(t, c.nextOf("deep", 10*time.Second)); !strings.Contains(errs[0].Message, "first") {
			t.Errorf("first over the limit: %+v", errs)
		}
		// A query over the websocket: one result, then complete.
		c.subscribe("q", `{ _meta { block { number } } }`, nil)
		var meta struct {
			Meta struct{ Block struct{ Number int } } `json:"_meta"`
		}
		c.data("q", &meta)
		if m := c.nextOf("q", 10*time.Second); m.Type != "complete" || meta.Meta.Block.Number != int(f.block) {
			t.Errorf("query: %+v then %+v", meta, m)
		}
		// Two operations at most: the third fails, the connection stays.
		c.subscribe("a", blocks, nil)
		c.subscribe("b", blocks, nil)
		c.subscribe("c", blocks, nil)
		if errs := errorsOf(t, c.nextOf("c", 10*time.Second)); errs[0].Extensions["code"] != "TOO_MANY_SUBSCRIPTIONS" {
			t.Errorf("third operation: %+v", errs)
		}
		// A completed operation gets nothing more; the other one does.
		c.send(wsMsg{ID: "a", Type: "complete"})
		waitStats(t, ls, func(s graphql.LiveStats) bool { return s.Subscriptions == 1 })
		b := f.commit(t, 0)
		if m := c.next(10 * time.Second); m.ID != "b" || !strings.Contains(string(m.Payload), itoa(uint64(b))) {
			t.Errorf("after completing a: %+v (%s)", m, m.Payload)
		}
		c.send(wsMsg{ID: "b", Type: "complete"})
		waitStats(t, ls, func(s graphql.LiveStats) bool { return s.Subscriptions == 0 })

		// An aggregate follows the count.
		c.subscribe("n", `subscription { transfersAggregate { count } }`, nil)
		var agg struct {
			TransfersAggregate []struct{ Count string }
		}
		c.data("n", &agg)
		before := agg.TransfersAggregate[0].Count
		f.commit(t, 3)
		c.data("n", &agg)
		if before != "0" || agg.TransfersAggregate[0].Count != "3" {
			t.Errorf("aggregate: %s then %s", before, agg.TransfersAggregate[0].Count)
		}
	})

	t.Run("SSE", func(t *testing.T) {
		if _, status := trySSE(t, ls.url, `subscription { newBlock { number } }`, nil, nil); status != http.StatusBadRequest {
			t.Errorf("an invalid SSE operation: status %d", status)
		}
		q := dialSSE(t, ls.url, `{ _meta { block { number } } }`, nil, nil)
		var meta json.RawMessage
		q.data(&meta)
		if ev, ok := q.next(10 * time.Second); ev.Event != "complete" || !ok {
			t.Errorf("after a query's result: %+v %v", ev, ok)
		}
		// GET, the query in the URL, as an EventSource sends it.
		req, _ := http.NewRequest(http.MethodGet, ls.url+"?query="+url.QueryEscape(`subscription { newBlocks { number } }`), nil)
		req.Header.Set("Accept", "text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "text/event-stream" {
			t.Fatalf("GET: %d %s", resp.StatusCode, ct)
		}
		g := &sseClient{t: t, events: make(chan sseEvent, 16), resp: resp, cancel: func() {}}
		go g.read()
		waitStats(t, ls, func(s graphql.LiveStats) bool { return s.Subscriptions == 1 })
		b := f.commit(t, 0)
		var m blockMsg
		g.data(&m)
		if m.NewBlocks.Number != int(b) {
			t.Errorf("GET stream: %+v", m)
		}
	})
}

// TestLiveConnectionsPerIP refuses a client address its connection past the limit.
func TestLiveConnectionsPerIP(t *testing.T) {
	t.Parallel()
	f := newFakeCommits(t)
	ls := serveLive(t, f.db, func(c *graphql.Config) { c.Subscriptions.MaxConnectionsPerIP = 2 }, nil)
	a := dialWS(t, ls.wsURL, "graphql-transport-ws", map[string]any{})
	dialWS(t, ls.wsURL, "graphql-ws", map[string]any{})
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}}
	if _, resp, err := d.Dial(ls.wsURL, nil); err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the third connection: %v %v", err, resp)
	}
	if _, status := trySSE(t, ls.url, `subscription { newBlocks { number } }`, nil, nil); status != http.StatusTooManyRequests {
		t.Errorf("an SSE stream past the limit: status %d", status)
	}
	a.c.Close()
	waitStats(t, ls, func(s graphql.LiveStats) bool { return s.Connections == 1 })
	dialWS(t, ls.wsURL, "graphql-transport-ws", map[string]any{})
}
