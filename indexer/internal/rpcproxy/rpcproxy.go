// Package rpcproxy is a loopback JSON-RPC proxy for tests: it forwards HTTP requests and, built
// with NewWS, websocket connections to a real node, and lets a hook inject faults into chosen calls
// (JSON-RPC errors, HTTP statuses, delays, replaced results, dropped connections), so the indexer
// meets a misbehaving node while the chain behind it stays real. Websockets can also be cut at
// will (DropWebsockets) or refused for a while (RefuseWebsockets).
package rpcproxy

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Request is one JSON-RPC call as the hook sees it.
type Request struct {
	Method string
	Params []json.RawMessage
	// Batch reports that the call came inside a batch; Index is its position there and Len the
	// batch's size (a hook that simulates per-request faults acts on Index 0 only).
	Batch      bool
	Index, Len int
	// Websocket reports that the call came over a websocket connection.
	Websocket bool
}

// RPCError is a JSON-RPC error object.
type RPCError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Fault is what the hook asks the proxy to do with a call; nil forwards it untouched.
type Fault struct {
	// Status, when set, answers the whole HTTP request with this status and Body.
	Status int
	Body   string
	// Error answers the call with a JSON-RPC error.
	Error *RPCError
	// Result, when set, answers the call with this result instead of forwarding it.
	Result json.RawMessage
	// Delay holds the answer back this long.
	Delay time.Duration
	// Drop cuts the connection the call came on, without an answer.
	Drop bool
}

// Hook decides the fault for a call.
type Hook func(r Request) *Fault

// Proxy is a running proxy.
type Proxy struct {
	// URL is the HTTP endpoint; WSURL the websocket one (NewWS only).
	URL, WSURL string
	target     string
	srv        *httptest.Server
	hook       atomic.Pointer[Hook]
	calls      sync.Map // method -> *atomic.Int64
	ws         wsState
}

type message struct {
	JSONRPC string            `json:"jsonrpc"`
	ID      json.RawMessage   `json:"id,omitempty"`
	Method  string            `json:"method,omitempty"`
	Params  []json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage   `json:"result,omitempty"`
	Error   *RPCError         `json:"error,omitempty"`
}

// New starts a proxy in front of target (an HTTP JSON-RPC URL). Close it when done.
func New(target string) *Proxy {
	p := &Proxy{target: target}
	p.start()
	return p
}

func (p *Proxy) start() {
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	p.URL = p.srv.URL
}

// SetHook installs the fault hook (nil removes it).
func (p *Proxy) SetHook(h Hook) {
	if h == nil {
		p.hook.Store(nil)
		return
	}
	p.hook.Store(&h)
}

// Calls returns how many calls of method the proxy has seen.
func (p *Proxy) Calls(method string) int64 {
	v, ok := p.calls.Load(method)
	if !ok {
		return 0
	}
	return v.(*atomic.Int64).Load()
}

// Close stops the proxy, cutting its websockets.
func (p *Proxy) Close() {
	p.closeWS()
	p.srv.Close()
}

func (p *Proxy) count(method string) {
	v, _ := p.calls.LoadOrStore(method, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	if websocket.IsWebSocketUpgrade(r) {
		p.serveWS(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	batch := len(bytes.TrimSpace(body)) > 0 && bytes.TrimSpace(body)[0] == '['
	var msgs []message
	if batch {
		err = json.Unmarshal(body, &msgs)
	} else {
		var m message
		err = json.Unmarshal(body, &m)
		msgs = []message{m}
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var hook Hook
	if h := p.hook.Load(); h != nil {
		hook = *h
	}
	faults := make([]*Fault, len(msgs))
	any := false
	for i, m := range msgs {
		p.count(m.Method)
		if hook == nil {
			continue
		}
		if f := hook(Request{Method: m.Method, Params: m.Params, Batch: batch, Index: i, Len: len(msgs)}); f != nil {
			if f.Delay > 0 {
				time.Sleep(f.Delay) // the fault being simulated is a slow node
			}
			if f.Drop {
				if hj, ok := w.(http.Hijacker); ok {
					if conn, _, err := hj.Hijack(); err == nil {
						conn.Close()
						return
					}
				}
				panic(http.ErrAbortHandler) // aborts the response as abruptly as net/http allows
			}
			if f.Status != 0 {
				w.WriteHeader(f.Status)
				_, _ = io.WriteString(w, f.Body)
				return
			}
			faults[i], any = f, true
		}
	}
	if !any {
		p.forward(w, body)
		return
	}
	out := make([]message, len(msgs))
	for i, m := range msgs {
		if f := faults[i]; f != nil && (f.Error != nil || f.Result != nil) {
			out[i] = message{JSONRPC: "2.0", ID: m.ID, Error: f.Error, Result: f.Result}
			continue
		}
		one, _ := json.Marshal(m)
		resp, err := http.Post(p.target, "application/json", bytes.NewReader(one))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		rb, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err := json.Unmarshal(rb, &out[i]); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if batch {
		_ = json.NewEncoder(w).Encode(out)
	} else {
		_ = json.NewEncoder(w).Encode(out[0])
	}
}

func (p *Proxy) forward(w http.ResponseWriter, body []byte) {
	resp, err := http.Post(p.target, "application/json", bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}
