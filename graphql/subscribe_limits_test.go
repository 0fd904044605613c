package graphql_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/rahataid/rahat/api/auth"
	"github.com/rahataid/rahat/graphql"
)

// bigDoc's results are large (a thousand rows), so that a client that does not read fills the
// socket's buffers within a few blocks.
const bigDoc = `subscription { transfers(first: 1000, orderBy: blockNumber, orderDirection: desc) { id from to value blockNumber blockTimestamp transactionHash contractAddress } }`

// TestLiveStalledClient never reads one subscriber's messages: the server drops it when its
// queue fills, while another subscriber of the same query receives every block's result.
func TestLiveStalledClient(t *testing.T) {
	t.Parallel()
	f := newFakeCommits(t)
	f.commit(t, 1000)
	ls := serveLive(t, f.db, func(c *graphql.Config) { c.Subscriptions.MaxQueued = 4 }, nil)

	// The stalled client asks for a small receive buffer, so that the server's writes block soon.
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, NetDialContext: (&net.Dialer{
		Control: func(_, _ string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
			return errors.Join(err, serr)
		}}).DialContext}
	sc, _, err := d.Dial(ls.wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	stalled := &wsClient{t: t, c: sc, proto: "graphql-transport-ws"}
	stalled.send(wsMsg{Type: "connection_init"})
	stalled.next(10 * time.Second) // the ack; nothing is read after it
	stalled.subscribe("1", bigDoc, nil)

	healthy := dialWS(t, ls.wsURL, "graphql-transport-ws", map[string]any{})
	healthy.subscribe("1", bigDoc, nil)
	waitStats(t, ls, func(s graphql.LiveStats) bool { return s.Subscriptions == 2 })
	var first struct{ Transfers []transferRow }
	healthy.data("1", &first)
	dropped := false
	for i := 0; i < 200 && !dropped; i++ {
		b := f.commit(t, 1)
		var m struct{ Transfers []transferRow }
		healthy.data("1", &m)
		if len(m.Transfers) != 1000 || m.Transfers[0].BlockNumber != itoa(uint64(b)) {
			t.Fatalf("block %d: the healthy subscriber got %d rows, the first of block %s", b, len(m.Transfers), m.Transfers[0].BlockNumber)
		}
		dropped = ls.srv.LiveStats().Connections == 1
	}
	st := waitStats(t, ls, func(s graphql.LiveStats) bool { return s.Connections == 1 })
	if st.Subscriptions != 1 {
		t.Errorf("after the drop: %+v", st)
	}
	if n := metricValue(t, ls, "rahat_graphql_live_drops_total"); n != 1 {
		t.Errorf("%v drops counted", n)
	}
	// The stalled client, reading at last, finds its connection closed after what was buffered.
	for {
		if _, err := stalled.read(30 * time.Second); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the stalled connection is still open")
			}
			break
		}
	}
	// The healthy one goes on.
	b := f.commit(t, 1)
	var m struct{ Transfers []transferRow }
	healthy.data("1", &m)
	if m.Transfers[0].BlockNumber != itoa(uint64(b)) {
		t.Errorf("after the drop: block %s", m.Transfers[0].BlockNumber)
	}
}

// metricValue sums a counter or gauge of the server's registry over its labels.
func metricValue(t testing.TB, ls *liveServer, name string) float64 {
	t.Helper()
	mfs, err := ls.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var v float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			v += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return v
}

// TestLiveNoGoroutineLeak opens and abandons thousands of connections of every kind (some
// mid-subscription, some closed by the server), and checks that the goroutines come back to
// where they were.
func TestLiveNoGoroutineLeak(t *testing.T) {
	t.Parallel()
	f := newFakeCommits(t)
	f.commit(t, 3)
	ls := serveLive(t, f.db, func(c *graphql.Config) { c.Subscriptions.MaxConnectionsPerIP = 10_000 }, nil)
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	cycle := func(i int) {
		switch i % 4 {
		case 0, 1: // subscribe, read the first result, hang up
			proto := []string{"graphql-transport-ws", "graphql-ws"}[i%2]
			c := dialWS(t, ls.wsURL, proto, map[string]any{})
			c.subscribe("1", `subscription { transfers(first: 2) { id } }`, nil)
			var m any
			c.data("1", &m)
			c.c.Close()
		case 2: // hang up before connection_init
			c := dialWS(t, ls.wsURL, "graphql-transport-ws", nil)
			c.c.Close()
		case 3: // an SSE subscriber that goes away
			body := strings.NewReader(`{"query":"subscription { newBlocks { number } }"}`)
			ctx, cancel := context.WithCancel(context.Background())
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ls.url, body)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "text/event-stream")
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 3)
			resp.Body.Read(buf) //nolint:errcheck // the stream's first comment
			cancel()
			resp.Body.Close()
		}
	}
	for i := range 40 { // warm up: pools, timers and the writer pool reach their steady state
		cycle(i)
	}
	waitStats(t, ls, func(s graphql.LiveStats) bool { return s.Connections == 0 })
	base := settledGoroutines(t, 0, 0)
	for i := range 2000 {
		cycle(i)
	}
	waitStats(t, ls, func(s graphql.LiveStats) bool { return s.Connections == 0 && s.Subscriptions == 0 && s.Groups == 0 })
	// Other tests run in parallel in this process: allow for their goroutines, not for ours.
	settledGoroutines(t, base, 40)
}

// settledGoroutines waits until the goroutine count is at most limit+slack (limit 0: until it
// stops falling) and returns it.
func settledGoroutines(t *testing.T, limit, slack int) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	prev := -1
	for {
		n := runtime.NumGoroutine()
		switch {
		case limit == 0 && n == prev:
			return n
		case limit > 0 && n <= limit+slack:
			return n
		case time.Now().After(deadline):
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want at most %d:\n%s", n, limit+slack, buf[:runtime.Stack(buf, true)])
		}
		prev = n
		<-tick.C
	}
}

// TestLiveAuth turns auth on: HTTP queries need a bearer token, websockets need it in
// connection_init (or the upgrade request), SSE in the request.
func TestLiveAuth(t *testing.T) {
	t.Parallel()
	f := newFakeCommits(t)
	secret := []byte(strings.Repeat("s", 32))
	v, err := auth.NewVerifier(context.Background(), auth.Config{HS256Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	ls := serveLive(t, f.db, func(c *graphql.Config) { c.RequireAuth, c.Verifier = true, v }, nil)
	tok, err := auth.IssueHS256(secret, auth.TokenSpec{Roles: []auth.Role{auth.RoleOperator}})
	if err != nil {
		t.Fatal(err)
	}
	bearer := "Bearer " + tok
	other, _ := auth.IssueHS256([]byte(strings.Repeat("x", 32)), auth.TokenSpec{Roles: []auth.Role{auth.RoleOperator}})

	if r := ls.c().post(t, `{ _meta { block { number } } }`, nil); r.Status != http.StatusUnauthorized {
		t.Errorf("a query without a token: status %d", r.Status)
	}
	for _, tc := range []struct {
		name, proto string
		init        map[string]any
		ok          bool
	}{
		{"no token", "graphql-transport-ws", map[string]any{}, false},
		{"bad token", "graphql-transport-ws", map[string]any{"Authorization": "Bearer " + other}, false},
		{"not bearer", "graphql-transport-ws", map[string]any{"Authorization": tok}, false},
		{"legacy no token", "graphql-ws", map[string]any{}, false},
		{"token", "graphql-transport-ws", map[string]any{"Authorization": bearer}, true},
		{"headers", "graphql-transport-ws", map[string]any{"headers": map[string]any{"authorization": bearer}}, true},
		{"legacy authToken", "graphql-ws", map[string]any{"authToken": tok}, true},
	} {
		c := dialWS(t, ls.wsURL, tc.proto, nil)
		c.send(wsMsg{Type: "connection_init", Payload: mustJSON(t, tc.init)})
		m, err := c.read(10 * time.Second)
		switch {
		case tc.ok && (err != nil || m.Type != "connection_ack"):
			t.Errorf("%s: %+v %v", tc.name, m, err)
		case !tc.ok && tc.proto == "graphql-ws" && m.Type != "connection_error":
			t.Errorf("%s: want connection_error, got %+v %v", tc.name, m, err)
		case !tc.ok:
			for err == nil {
				_, err = c.read(10 * time.Second)
			}
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != 4403 {
				t.Errorf("%s: want close 4403, got %v", tc.name, err)
			}
		}
	}
	if _, status := trySSE(t, ls.url, `subscription { newBlocks { number } }`, nil, nil); status != http.StatusUnauthorized {
		t.Errorf("SSE without a token: status %d", status)
	}
	sse := dialSSE(t, ls.url, `subscription { newBlocks { number } }`, nil, http.Header{"Authorization": {bearer}})
	waitStats(t, ls, func(s graphql.LiveStats) bool { return s.Subscriptions == 1 })
	b := f.commit(t, 0)
	var m blockMsg
	sse.data(&m)
	if m.NewBlocks.Number != int(b) {
		t.Errorf("SSE with a token: %+v", m)
	}
}
