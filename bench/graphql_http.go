package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"
)

// rawPoster is the load generator's HTTP client: one keep-alive HTTP/1.1 connection per client,
// each request written whole in one write from bytes prepared in advance (as wrk sends a
// prepared request), each answer read by its Content-Length.
//
// The load generator shares the machine's cores with the server it measures, and the SQL
// baseline's clients are goroutines of the bench process that cost next to nothing; net/http's
// client spends about 40 µs of CPU a request (its connection goroutines, headers, buffers), which
// would count against GraphQL's throughput. This client spends a few µs, like wrk. The server
// side is untouched: the requests are ordinary HTTP/1.1 requests with Content-Type and
// Content-Length, as any client sends.
type rawPoster struct {
	addr  string
	conns chan *rawConn
}

type rawConn struct {
	c        net.Conn
	r        *bufio.Reader
	buf      []byte    // the last answer's body
	deadline time.Time // of c, moved forward now and then rather than on every request
}

// newRawPoster returns a client for rawURL with up to conns connections (opened on first use).
func newRawPoster(rawURL string, conns int) (*rawPoster, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	p := &rawPoster{addr: u.Host, conns: make(chan *rawConn, conns)}
	for range conns {
		p.conns <- &rawConn{}
	}
	return p, nil
}

// rawRequest is a complete POST of a GraphQL document, ready to write.
func rawRequest(rawURL, query string, vars map[string]any) ([]byte, error) {
	return rawPost(rawURL, map[string]any{"query": query, "variables": vars})
}

// rawPost is a complete POST of v in JSON, ready to write.
func rawPost(rawURL string, v any) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", u.RequestURI(), u.Host, len(body))
	b.Write(body)
	return b.Bytes(), nil
}

// post writes a prepared request and reads the whole answer; an answer with errors fails.
func (p *rawPoster) post(ctx context.Context, req []byte) error {
	var c *rawConn
	select {
	case c = <-p.conns:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { p.conns <- c }()
	if c.c == nil {
		conn, err := net.DialTimeout("tcp", p.addr, 10*time.Second)
		if err != nil {
			return err
		}
		c.c, c.r, c.deadline = conn, bufio.NewReaderSize(conn, 16<<10), time.Time{}
	}
	status, err := c.roundTrip(req)
	if err != nil {
		c.c.Close()
		c.c = nil
		return err
	}
	if status != 200 || bytes.Contains(c.buf, []byte(`"errors"`)) {
		return fmt.Errorf("%w: %d %.300s", errGraphQL, status, c.buf)
	}
	return nil
}

var errNoLength = errors.New("answer without Content-Length")

// roundTrip writes req and reads the status, the headers and the body (by Content-Length).
func (c *rawConn) roundTrip(req []byte) (int, error) {
	if now := time.Now(); c.deadline.Sub(now) < 20*time.Second {
		c.deadline = now.Add(30 * time.Second)
		if err := c.c.SetDeadline(c.deadline); err != nil {
			return 0, err
		}
	}
	if _, err := c.c.Write(req); err != nil {
		return 0, err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	length := -1
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if ok && bytes.EqualFold(name, []byte("Content-Length")) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(value))); err != nil {
				return 0, fmt.Errorf("bad Content-Length %q", value)
			}
		}
	}
	if length < 0 {
		return 0, errNoLength
	}
	if cap(c.buf) < length {
		c.buf = make([]byte, length)
	}
	c.buf = c.buf[:length]
	if _, err := io.ReadFull(c.r, c.buf); err != nil {
		return 0, err
	}
	return status, nil
}
