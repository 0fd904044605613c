package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// The subscription suite's load client: a separate process (this binary re-executed with
// subsClientEnv set) that holds the websocket connections, so that the server's memory and CPU are
// measured apart from its clients'. The parent drives it with one JSON command a line on its stdin
// and reads one JSON reply a line on its stdout:
//
//	connect: open connections until N are up, each subscribed (graphql-transport-ws) or bare;
//	collect: wait until every connection has seen Block (or Timeout) and return the times at which
//	         each received the first message that carried it;
//	close:   close every connection and exit.
//
// Times are Unix nanoseconds of the machine's wall clock, which both processes read: the parent
// notes when it commits a block, the client when a message announcing it arrives.

// subsClientEnv set makes the process a load client.
const subsClientEnv = "RAHAT_BENCH_SUBS_CLIENT"

// Protocols the client speaks.
const (
	protoTransportWS = "graphql-transport-ws" // graphql-ws.js' protocol, the one modern clients use
	protoBare        = "bare"                 // no protocol: every text message is a notification
)

// subsCmd is one command to the load client.
type subsCmd struct {
	Op    string `json:"op"`
	URL   string `json:"url,omitempty"`
	Proto string `json:"proto,omitempty"`
	Query string `json:"query,omitempty"`
	// Key names the JSON field that holds the block number in a message (its largest value
	// anywhere in the message is the block it announces).
	Key     string        `json:"key,omitempty"`
	N       int           `json:"n,omitempty"`
	Block   uint64        `json:"block,omitempty"`
	Timeout time.Duration `json:"timeout,omitempty"`
}

// subsReply is the load client's answer to a command.
type subsReply struct {
	Conns int `json:"conns"`
	// Got counts the connections that have seen the block (collect).
	Got int `json:"got"`
	// Recv holds the receive times (Unix ns) of the block, one per connection that received a
	// message carrying it; a connection whose first message after an earlier block skipped it
	// has no time here.
	Recv []int64 `json:"recv,omitempty"`
	// Dropped counts connections the server closed or that failed after connecting.
	Dropped int `json:"dropped"`
	// CPU is the client process's CPU time so far.
	CPU      time.Duration `json:"cpu"`
	FirstErr string        `json:"first_err,omitempty"`
	Err      string        `json:"err,omitempty"`
}

func init() {
	if os.Getenv(subsClientEnv) != "" {
		os.Exit(subsClientMain(os.Stdin, os.Stdout))
	}
}

// subsClientMain serves commands from in until close or EOF.
func subsClientMain(in io.Reader, out io.Writer) int {
	if _, err := raiseFDLimit(0); err != nil {
		fmt.Fprintln(os.Stderr, "subs client:", err)
	}
	// Its heap is 10,000 idle connections and a little garbage: collecting less often leaves
	// more CPU to the server measured.
	debug.SetGCPercent(400)
	c := newSubsClient()
	defer c.closeAll()
	dec := json.NewDecoder(bufio.NewReader(in))
	enc := json.NewEncoder(out)
	for {
		var cmd subsCmd
		if err := dec.Decode(&cmd); err != nil {
			return 0 // the parent went away or closed our stdin
		}
		rep := c.do(context.Background(), cmd)
		if err := enc.Encode(rep); err != nil {
			return 1
		}
		if cmd.Op == "close" {
			return 0
		}
	}
}

// subsClient holds the connections and what they received.
type subsClient struct {
	bufs    sync.Pool // *bytes.Buffer
	mu      sync.Mutex
	conns   []*subsConn
	dropped int
	errMsg  string
	wg      sync.WaitGroup
}

// subsConn is one connection. Its reader records what it receives under the connection's own
// lock, so that 10,000 readers woken by one block do not queue on a shared one.
type subsConn struct {
	ws      *websocket.Conn
	wmu     sync.Mutex // one writer at a time: the reader answers pings, close writes too
	closing atomic.Bool

	mu   sync.Mutex
	seen uint64     // the highest block received
	recv []subsRecv // blocks not yet collected, in order
}

// subsRecv is the arrival of the first message carrying a block.
type subsRecv struct {
	block uint64
	at    int64
}

func newSubsClient() *subsClient {
	return &subsClient{bufs: sync.Pool{New: func() any { return new(bytes.Buffer) }}}
}

func (c *subsClient) do(ctx context.Context, cmd subsCmd) subsReply {
	var err error
	var rep subsReply
	switch cmd.Op {
	case "connect":
		err = c.connect(ctx, cmd)
	case "collect":
		rep = c.collect(cmd.Block, cmd.Timeout)
	case "close":
		c.closeAll()
	default:
		err = fmt.Errorf("unknown command %q", cmd.Op)
	}
	c.mu.Lock()
	rep.Conns, rep.Dropped, rep.FirstErr, rep.CPU = len(c.conns), c.dropped, c.errMsg, processCPU()
	c.mu.Unlock()
	if err != nil {
		rep.Err = err.Error()
	}
	return rep
}

// subsDialers is how many connections are opened at once: enough to open 10,000 in seconds,
// few enough not to overflow the server's accept backlog.
const subsDialers = 32

// connect opens connections until cmd.N are up.
func (c *subsClient) connect(ctx context.Context, cmd subsCmd) error {
	c.mu.Lock()
	need := cmd.N - len(c.conns)
	c.mu.Unlock()
	if need <= 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	d := &websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 2048, WriteBufferSize: 1024,
		WriteBufferPool: &sync.Pool{}}
	if cmd.Proto == protoTransportWS {
		d.Subprotocols = []string{protoTransportWS}
	}
	var next atomic.Int64
	errs := make(chan error, subsDialers)
	var wg sync.WaitGroup
	for range min(subsDialers, need) {
		wg.Go(func() {
			for next.Add(1) <= int64(need) {
				sc, err := dialSub(ctx, d, cmd)
				if err != nil {
					errs <- err
					cancel()
					return
				}
				c.mu.Lock()
				c.conns = append(c.conns, sc)
				c.mu.Unlock()
				c.wg.Go(func() { c.read(sc, cmd) })
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// dialSub opens one connection and, for graphql-transport-ws, initialises it and subscribes.
func dialSub(ctx context.Context, d *websocket.Dialer, cmd subsCmd) (*subsConn, error) {
	ws, resp, err := d.DialContext(ctx, cmd.URL, http.Header{})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dialing %s: %w (HTTP %d)", cmd.URL, err, resp.StatusCode)
		}
		return nil, fmt.Errorf("dialing %s: %w", cmd.URL, err)
	}
	sc := &subsConn{ws: ws}
	if cmd.Proto != protoTransportWS {
		return sc, nil
	}
	if ws.Subprotocol() != protoTransportWS {
		ws.Close()
		return nil, fmt.Errorf("server chose subprotocol %q, not %s", ws.Subprotocol(), protoTransportWS)
	}
	_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	if err := ws.WriteJSON(map[string]any{"type": "connection_init", "payload": map[string]any{}}); err != nil {
		ws.Close()
		return nil, fmt.Errorf("sending connection_init: %w", err)
	}
	for {
		var m struct {
			Type    string          `json:"type"`
			Payload json.RawMessage `json:"payload"`
		}
		if err := ws.ReadJSON(&m); err != nil {
			ws.Close()
			return nil, fmt.Errorf("waiting for connection_ack: %w", err)
		}
		if m.Type == "connection_ack" {
			break
		}
		if m.Type != "ping" && m.Type != "pong" {
			ws.Close()
			return nil, fmt.Errorf("expected connection_ack, got %s %s", m.Type, m.Payload)
		}
	}
	_ = ws.SetReadDeadline(time.Time{})
	sub := map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": cmd.Query}}
	if err := ws.WriteJSON(sub); err != nil {
		ws.Close()
		return nil, fmt.Errorf("subscribing: %w", err)
	}
	return sc, nil
}

// read receives until the connection ends, noting when each block first arrives. Messages are
// read into pooled buffers: the client's garbage would cost CPU the server is measured on.
func (c *subsClient) read(sc *subsConn, cmd subsCmd) {
	key := []byte(strconv.Quote(cmd.Key))
	for {
		_, r, err := sc.ws.NextReader()
		at := time.Now().UnixNano()
		if err != nil {
			if !sc.closing.Load() {
				c.drop(fmt.Errorf("reading: %w", err))
			}
			return
		}
		buf := c.bufs.Get().(*bytes.Buffer)
		buf.Reset()
		_, err = buf.ReadFrom(r)
		ok := err == nil && c.handle(sc, cmd, key, buf.Bytes(), at)
		c.bufs.Put(buf)
		if err != nil && !sc.closing.Load() {
			c.drop(fmt.Errorf("reading: %w", err))
		}
		if !ok {
			return
		}
	}
}

// handle takes one message; false ends the connection.
func (c *subsClient) handle(sc *subsConn, cmd subsCmd, key, msg []byte, at int64) bool {
	if cmd.Proto == protoTransportWS {
		// The envelope is read without decoding the payload (see read).
		typ, payload, ok := envelope(msg)
		if !ok {
			c.drop(fmt.Errorf("malformed message: %.300s", msg))
			sc.ws.Close()
			return false
		}
		switch typ {
		case "next":
			if bytes.Contains(payload, []byte(`"errors"`)) {
				c.drop(fmt.Errorf("subscription error: %.300s", payload))
				sc.ws.Close()
				return false
			}
			msg = payload
		case "ping":
			sc.wmu.Lock()
			err := sc.ws.WriteMessage(websocket.TextMessage, []byte(`{"type":"pong"}`))
			sc.wmu.Unlock()
			if err != nil && !sc.closing.Load() {
				c.drop(fmt.Errorf("answering ping: %w", err))
			}
			return true
		case "pong":
			return true
		default: // error, complete: the subscription is over
			c.drop(fmt.Errorf("server sent %s: %.300s", typ, payload))
			sc.ws.Close()
			return false
		}
	}
	if b, ok := maxJSONUint(msg, key); ok {
		sc.mu.Lock()
		if b > sc.seen {
			sc.seen = b
			sc.recv = append(sc.recv, subsRecv{block: b, at: at})
		}
		sc.mu.Unlock()
	}
	return true
}

func (c *subsClient) drop(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropped++
	if c.errMsg == "" {
		c.errMsg = err.Error()
	}
}

// collect waits until every connection has seen block (or the timeout passes) and returns the
// receive times of block. Times of earlier blocks are forgotten.
func (c *subsClient) collect(block uint64, timeout time.Duration) subsReply {
	deadline := time.Now().Add(timeout)
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	c.mu.Lock()
	conns := c.conns
	c.mu.Unlock()
	for {
		seen := 0
		for _, sc := range conns {
			sc.mu.Lock()
			if sc.seen >= block {
				seen++
			}
			sc.mu.Unlock()
		}
		if seen < len(conns) && time.Now().Before(deadline) {
			<-t.C
			continue
		}
		rep := subsReply{Got: seen}
		for _, sc := range conns {
			sc.mu.Lock()
			k := 0
			for _, r := range sc.recv {
				if r.block == block {
					rep.Recv = append(rep.Recv, r.at)
				}
				if r.block > block {
					sc.recv[k] = r
					k++
				}
			}
			sc.recv = sc.recv[:k]
			sc.mu.Unlock()
		}
		return rep
	}
}

// closeAll closes every connection (a close frame, then the socket) and waits for the readers.
func (c *subsClient) closeAll() {
	c.mu.Lock()
	conns := c.conns
	c.conns = nil
	c.mu.Unlock()
	for _, sc := range conns {
		sc.closing.Store(true)
		sc.wmu.Lock()
		_ = sc.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		sc.wmu.Unlock()
		sc.ws.Close()
	}
	c.wg.Wait()
}

// subsClientProc is the parent's handle on a load client process.
type subsClientProc struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *json.Decoder
}

// startSubsClient starts a load client process.
func startSubsClient(ctx context.Context) (*subsClientProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), subsClientEnv+"=1")
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the load client: %w", err)
	}
	return &subsClientProc{cmd: cmd, in: in, out: json.NewDecoder(out)}, nil
}

// call sends a command and waits for the reply; a reply with Err fails.
func (p *subsClientProc) call(cmd subsCmd) (subsReply, error) {
	var rep subsReply
	if err := json.NewEncoder(p.in).Encode(cmd); err != nil {
		return rep, fmt.Errorf("load client %s: %w", cmd.Op, err)
	}
	if err := p.out.Decode(&rep); err != nil {
		return rep, fmt.Errorf("load client %s: reading reply: %w", cmd.Op, err)
	}
	if rep.Err != "" {
		return rep, fmt.Errorf("load client %s: %s", cmd.Op, rep.Err)
	}
	return rep, nil
}

// close asks the client to close its connections and waits for it to exit.
func (p *subsClientProc) close() error {
	_, err := p.call(subsCmd{Op: "close"})
	p.in.Close()
	return errors.Join(err, p.cmd.Wait())
}
