package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestServeFailover runs two `rahat serve` replicas on one database, as the Kubernetes Deployment
// does, with an indexer following a chain that seals a block every 200 ms, and websocket
// subscribers of newBlocks on each replica. One replica is SIGKILLed; its subscribers lose their
// connection (and one reconnects to the other), and the other replica's subscribers must go on
// receiving every block, without a gap or a repeat, while the chain advances.
func TestServeFailover(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	st := newStack(t, ctx)
	idx := startIndex(t, st.bin, st.cfgPath, st.env, "index")
	idx.waitLog(t, ctx, msgActive)
	a, baseA := st.startServe(t, ctx, "serve-a")
	_, baseB := st.startServe(t, ctx, "serve-b")

	const perReplica = 3
	var subsA, subsB []*blockSubscriber
	for i := range perReplica {
		subsA = append(subsA, subscribeBlocks(t, ctx, baseA, fmt.Sprintf("a%d", i)))
		subsB = append(subsB, subscribeBlocks(t, ctx, baseB, fmt.Sprintf("b%d", i)))
	}
	if err := st.chain.SetBlockInterval(200 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.chain.SetBlockInterval(0) })

	// Every subscriber is receiving blocks before the kill.
	start := st.chain.Head().Latest.Number
	for _, s := range append(subsA, subsB...) {
		s.waitBlock(t, ctx, start+3)
	}
	a.kill(t)
	killed := st.chain.Head().Latest.Number
	t.Logf("serve-a SIGKILLed at chain head %d", killed)

	// a's subscribers see their connection end, and a client that reconnects (as through the
	// Service) gets a subscription on b.
	for _, s := range subsA {
		s.waitClosed(t, ctx)
	}
	again := subscribeBlocks(t, ctx, baseB, "a0-again")
	// b's go on: every block up to 20 past the kill, contiguous from their first message, which
	// came before the kill.
	for _, s := range subsB {
		s.waitBlock(t, ctx, killed+20)
		if err := s.checkContiguous(); err != nil {
			t.Errorf("subscriber %s of serve-b: %v", s.name, err)
		}
		if s.got[0].FromBlock > killed {
			t.Errorf("subscriber %s of serve-b: first message after the kill (%s)", s.name, s.summary())
		}
		t.Logf("subscriber %s of serve-b: %s", s.name, s.summary())
	}
	again.waitBlock(t, ctx, killed+20)
	if err := again.checkContiguous(); err != nil {
		t.Errorf("subscriber %s of serve-b: %v", again.name, err)
	}
}

// blockSubscriber is a websocket client of newBlocks speaking graphql-transport-ws, as a
// monitor would.
type blockSubscriber struct {
	name   string
	conn   *websocket.Conn
	blocks chan indexedBlock // every message, in order
	closed chan error        // receives why reading ended
	got    []indexedBlock    // what waitBlock has taken from blocks
}

// indexedBlock is the part of a newBlocks message the test checks.
type indexedBlock struct {
	ChainID   uint64 `json:"chainId"`
	Number    uint64 `json:"number"`
	FromBlock uint64 `json:"fromBlock"`
	CatchUp   bool   `json:"catchUp"`
}

// transportMsg is a graphql-transport-ws message.
type transportMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

func subscribeBlocks(t *testing.T, ctx context.Context, base, name string) *blockSubscriber {
	t.Helper()
	url := "ws" + strings.TrimPrefix(base, "http") + "/graphql"
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 10 * time.Second}
	conn, res, err := d.DialContext(ctx, url, http.Header{})
	if err != nil {
		t.Fatalf("subscriber %s: dialling %s: %v", name, url, err)
	}
	if conn.Subprotocol() != "graphql-transport-ws" {
		t.Fatalf("subscriber %s: the server chose subprotocol %q (status %s)", name, conn.Subprotocol(), res.Status)
	}
	s := &blockSubscriber{name: name, conn: conn, blocks: make(chan indexedBlock, 4096), closed: make(chan error, 1)}
	t.Cleanup(func() { _ = conn.Close() })
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetReadDeadline(deadline)
	}
	s.send(t, transportMsg{Type: "connection_init", Payload: json.RawMessage(`{}`)})
	for {
		var m transportMsg
		if err := conn.ReadJSON(&m); err != nil {
			t.Fatalf("subscriber %s: waiting for connection_ack: %v", name, err)
		}
		if m.Type == "connection_ack" {
			break
		}
		if m.Type == "ping" {
			s.send(t, transportMsg{Type: "pong"})
			continue
		}
		t.Fatalf("subscriber %s: %s before connection_ack: %s", name, m.Type, m.Payload)
	}
	q, _ := json.Marshal(map[string]string{"query": "subscription { newBlocks { chainId number fromBlock catchUp } }"})
	s.send(t, transportMsg{ID: "1", Type: "subscribe", Payload: q})
	go s.read()
	return s
}

func (s *blockSubscriber) send(t *testing.T, m transportMsg) {
	t.Helper()
	if err := s.conn.WriteJSON(m); err != nil {
		t.Fatalf("subscriber %s: sending %s: %v", s.name, m.Type, err)
	}
}

// read delivers the subscription's messages until the connection ends. After setup it is the
// only goroutine that writes (pongs), so writes never interleave.
func (s *blockSubscriber) read() {
	for {
		var m transportMsg
		if err := s.conn.ReadJSON(&m); err != nil {
			s.closed <- err
			return
		}
		switch m.Type {
		case "ping":
			if err := s.conn.WriteJSON(transportMsg{Type: "pong"}); err != nil {
				s.closed <- err
				return
			}
		case "next":
			var p struct {
				Data struct {
					NewBlocks indexedBlock `json:"newBlocks"`
				} `json:"data"`
				Errors json.RawMessage `json:"errors"`
			}
			if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 {
				s.closed <- fmt.Errorf("bad next message %s: %v", m.Payload, err)
				return
			}
			s.blocks <- p.Data.NewBlocks
		case "error", "complete":
			s.closed <- fmt.Errorf("the server ended the subscription: %s %s", m.Type, m.Payload)
			return
		}
	}
}

// waitBlock takes messages until one announces block n, failing the test if the connection ends
// or ctx does first.
func (s *blockSubscriber) waitBlock(t *testing.T, ctx context.Context, n uint64) {
	t.Helper()
	for len(s.got) == 0 || s.got[len(s.got)-1].Number < n {
		select {
		case b := <-s.blocks:
			s.got = append(s.got, b)
		case err := <-s.closed:
			t.Fatalf("subscriber %s lost its subscription before block %d (%s): %v", s.name, n, s.summary(), err)
		case <-ctx.Done():
			t.Fatalf("subscriber %s did not receive block %d (%s): %v", s.name, n, s.summary(), ctx.Err())
		}
	}
}

// waitClosed waits until the connection ends (its server died).
func (s *blockSubscriber) waitClosed(t *testing.T, ctx context.Context) {
	t.Helper()
	for {
		select {
		case <-s.blocks: // delivered before the kill
		case <-s.closed:
			return
		case <-ctx.Done():
			t.Fatalf("subscriber %s: the connection to the killed replica did not end: %v", s.name, ctx.Err())
		}
	}
}

// checkContiguous checks that every message announced the blocks right after the previous one's:
// no gap, no repeat, in order.
func (s *blockSubscriber) checkContiguous() error {
	for i := 1; i < len(s.got); i++ {
		prev, b := s.got[i-1], s.got[i]
		if b.FromBlock != prev.Number+1 || b.Number < b.FromBlock {
			return fmt.Errorf("message %d announced blocks %d-%d after %d-%d", i, b.FromBlock, b.Number, prev.FromBlock, prev.Number)
		}
	}
	return nil
}

func (s *blockSubscriber) summary() string {
	if len(s.got) == 0 {
		return "no messages"
	}
	catchUp := 0
	for _, b := range s.got {
		if b.CatchUp {
			catchUp++
		}
	}
	return fmt.Sprintf("%d messages announcing blocks %d-%d (%d catch-up)", len(s.got), s.got[0].FromBlock, s.got[len(s.got)-1].Number, catchUp)
}
