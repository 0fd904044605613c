package rpcproxy

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// wsState is the websocket side of a Proxy: every client connection is paired with one to the
// target's websocket endpoint, and messages are pumped both ways until either side goes away or
// the test cuts them.
type wsState struct {
	target   string
	mu       sync.Mutex
	conns    map[*wsPair]struct{}
	refuse   bool // answer new upgrades with 503: the websocket endpoint is down
	closed   bool
	accepted atomic.Int64
	notified atomic.Int64 // eth_subscription messages forwarded to clients
}

// wsPair is a client connection and its upstream twin. gorilla/websocket allows one concurrent
// writer per connection, hence the write locks.
type wsPair struct {
	client, upstream *websocket.Conn
	clientW          sync.Mutex
	upstreamW        sync.Mutex
	once             sync.Once
}

// close cuts both connections at the TCP level, without a close frame, as a dropped network
// connection or a restarting load balancer would.
func (p *wsPair) close() {
	p.once.Do(func() {
		p.client.NetConn().Close()
		p.upstream.NetConn().Close()
	})
}

// NewWS starts a proxy in front of a node's HTTP endpoint (target) and its websocket endpoint
// (wsTarget). Websocket clients connect to WSURL; the hook sees their calls too. Close it when done.
func NewWS(target, wsTarget string) *Proxy {
	p := &Proxy{target: target}
	p.ws.target = wsTarget
	p.ws.conns = map[*wsPair]struct{}{}
	p.start()
	p.WSURL = "ws" + strings.TrimPrefix(p.URL, "http")
	return p
}

// DropWebsockets cuts every open websocket connection (both the client's and the upstream one) and
// returns how many there were. Clients may reconnect at once unless RefuseWebsockets is on.
func (p *Proxy) DropWebsockets() int {
	p.ws.mu.Lock()
	pairs := make([]*wsPair, 0, len(p.ws.conns))
	for c := range p.ws.conns {
		pairs = append(pairs, c)
	}
	p.ws.mu.Unlock()
	for _, c := range pairs {
		c.close()
	}
	return len(pairs)
}

// RefuseWebsockets makes new websocket upgrades fail with 503 (on) or succeed again (off); open
// connections are not touched (see DropWebsockets).
func (p *Proxy) RefuseWebsockets(on bool) {
	p.ws.mu.Lock()
	p.ws.refuse = on
	p.ws.mu.Unlock()
}

// WebsocketsAccepted returns how many websocket connections the proxy has accepted so far.
func (p *Proxy) WebsocketsAccepted() int64 { return p.ws.accepted.Load() }

// WebsocketsOpen returns how many websocket connections are open now.
func (p *Proxy) WebsocketsOpen() int {
	p.ws.mu.Lock()
	defer p.ws.mu.Unlock()
	return len(p.ws.conns)
}

// Notifications returns how many subscription notifications (eth_subscription messages) the proxy
// has forwarded to websocket clients.
func (p *Proxy) Notifications() int64 { return p.ws.notified.Load() }

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (p *Proxy) serveWS(w http.ResponseWriter, r *http.Request) {
	p.ws.mu.Lock()
	down := p.ws.refuse || p.ws.closed || p.ws.target == ""
	p.ws.mu.Unlock()
	if down {
		http.Error(w, "websocket endpoint unavailable", http.StatusServiceUnavailable)
		return
	}
	up, resp, err := websocket.DefaultDialer.DialContext(r.Context(), p.ws.target, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	client, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		up.Close()
		return // Upgrade has answered the client
	}
	pair := &wsPair{client: client, upstream: up}
	p.ws.mu.Lock()
	if p.ws.closed {
		p.ws.mu.Unlock()
		pair.close()
		return
	}
	p.ws.conns[pair] = struct{}{}
	p.ws.mu.Unlock()
	p.ws.accepted.Add(1)
	defer func() {
		pair.close()
		p.ws.mu.Lock()
		delete(p.ws.conns, pair)
		p.ws.mu.Unlock()
	}()

	done := make(chan struct{})
	go func() {
		defer close(done)
		defer pair.close()
		p.pumpDown(pair)
	}()
	p.pumpUp(pair)
	pair.close()
	<-done
}

// pumpUp forwards the client's calls upstream, through the hook.
func (p *Proxy) pumpUp(pair *wsPair) {
	for {
		kind, data, err := pair.client.ReadMessage()
		if err != nil {
			return
		}
		var m message
		if json.Unmarshal(data, &m) != nil || m.Method == "" {
			if !write(&pair.upstreamW, pair.upstream, kind, data) {
				return
			}
			continue
		}
		p.count(m.Method)
		var f *Fault
		if h := p.hook.Load(); h != nil {
			f = (*h)(Request{Method: m.Method, Params: m.Params, Websocket: true})
		}
		if f != nil && f.Delay > 0 {
			time.Sleep(f.Delay) // the fault being simulated is a slow node
		}
		switch {
		case f != nil && f.Drop:
			return
		case f != nil && (f.Error != nil || f.Result != nil):
			out, _ := json.Marshal(message{JSONRPC: "2.0", ID: m.ID, Error: f.Error, Result: f.Result})
			if !write(&pair.clientW, pair.client, websocket.TextMessage, out) {
				return
			}
		default:
			if !write(&pair.upstreamW, pair.upstream, kind, data) {
				return
			}
		}
	}
}

// pumpDown forwards the node's answers and notifications to the client.
func (p *Proxy) pumpDown(pair *wsPair) {
	for {
		kind, data, err := pair.upstream.ReadMessage()
		if err != nil {
			return
		}
		var m struct {
			Method string `json:"method"`
		}
		if json.Unmarshal(data, &m) == nil && m.Method == "eth_subscription" {
			p.ws.notified.Add(1)
		}
		if !write(&pair.clientW, pair.client, kind, data) {
			return
		}
	}
}

func write(mu *sync.Mutex, c *websocket.Conn, kind int, data []byte) bool {
	mu.Lock()
	defer mu.Unlock()
	return c.WriteMessage(kind, data) == nil
}

// closeWS cuts every websocket and refuses new ones; the HTTP server can then shut down without
// waiting on hijacked connections.
func (p *Proxy) closeWS() {
	p.ws.mu.Lock()
	p.ws.closed = true
	p.ws.mu.Unlock()
	p.DropWebsockets()
}
