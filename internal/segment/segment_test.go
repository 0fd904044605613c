package segment_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rahataid/rahat/internal/segment"
)

// countingListener counts the writes to the sockets of the connections it accepts.
type countingListener struct {
	net.Listener
	writes atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, n: &l.writes}, nil
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.n.Add(1)
	return c.Conn.Write(p)
}

// TestOneWrite: an answer over net/http's 4 KB buffer, written under a hold, reaches the socket
// in one write and the client whole, request after request on one connection; without the hold
// it takes more (so the test can tell).
func TestOneWrite(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 700) // 11,200 bytes
	tests := []struct {
		name       string
		hold       bool
		wantWrites func(n int64) bool
	}{
		{"held", true, func(n int64) bool { return n == 1 }},
		{"not held", false, func(n int64) bool { return n > 1 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			cl := &countingListener{Listener: ln}
			srv := &http.Server{ConnContext: segment.ConnContext, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sc := segment.FromContext(r.Context())
				if sc == nil {
					t.Error("no connection in the request's context")
					return
				}
				if tc.hold {
					sc.Hold()
					defer sc.Release()
				}
				w.Header().Set("Content-Length", strconv.Itoa(len(body))) // else a last chunk follows
				w.Write(body)
				w.(http.Flusher).Flush()
			})}
			go srv.Serve(segment.Listener{Listener: cl})
			defer srv.Close()

			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			r := bufio.NewReader(c)
			for i := range 3 {
				before := cl.writes.Load()
				if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
					t.Fatal(err)
				}
				resp, err := http.ReadResponse(r, nil)
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || !bytes.Equal(got, body) {
					t.Fatalf("request %d: %d bytes (%v), want the %d written", i, len(got), err, len(body))
				}
				if n := cl.writes.Load() - before; !tc.wantWrites(n) {
					t.Errorf("request %d: %d writes to the socket", i, n)
				}
			}
		})
	}
}

// TestHoldBounded: a hold that grows past its bound sends what it has and goes on holding; a
// connection not held writes straight through; everything arrives in order.
func TestHoldBounded(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	sc := &segment.Conn{Conn: a}
	got := make(chan string, 1)
	go func() {
		all, _ := io.ReadAll(b)
		got <- string(all)
	}()
	if _, err := sc.Write([]byte("plain;")); err != nil {
		t.Fatal(err)
	}
	sc.Hold()
	big := strings.Repeat("x", 300<<10)
	if _, err := sc.Write([]byte(big)); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Write([]byte(";end")); err != nil {
		t.Fatal(err)
	}
	if err := sc.Release(); err != nil {
		t.Fatal(err)
	}
	a.Close()
	if s, want := <-got, "plain;"+big+";end"; s != want {
		t.Fatalf("read %d bytes, want %d in order", len(s), len(want))
	}
}

// TestWriteErrorSticks: a failed write of held bytes fails every later write.
func TestWriteErrorSticks(t *testing.T) {
	a, b := net.Pipe()
	b.Close()
	sc := &segment.Conn{Conn: a}
	sc.Hold()
	if _, err := sc.Write([]byte("lost")); err != nil {
		t.Fatalf("a held write failed at once: %v", err)
	}
	if err := sc.Release(); err == nil {
		t.Fatal("Release to a closed peer succeeded")
	}
	if _, err := sc.Write([]byte("more")); err == nil {
		t.Fatal("a write after the failed release succeeded")
	}
}
