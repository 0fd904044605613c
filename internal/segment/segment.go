package segment

import (
	"context"
	"errors"
	"net"
	"sync"
)

// Listener wraps every connection it accepts in a Conn.
type Listener struct{ net.Listener }

// Accept accepts the next connection, wrapped.
func (l Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &Conn{Conn: c}, nil
}

// Conn is a connection whose writes can be held and sent together.
type Conn struct {
	net.Conn
	mu      sync.Mutex
	holding bool
	held    []byte
	err     error // a failed write of held bytes, returned by every later write
}

// maxHeld bounds what a hold keeps: past it, the held bytes go out and the hold goes on.
const maxHeld = 256 << 10

// Hold keeps the bytes written from now on until Release.
func (c *Conn) Hold() {
	c.mu.Lock()
	c.holding = true
	c.mu.Unlock()
}

// Release sends the bytes held since Hold in one write and ends the hold.
func (c *Conn) Release() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.holding = false
	return c.flushLocked()
}

func (c *Conn) flushLocked() error {
	if c.err != nil || len(c.held) == 0 {
		return c.err
	}
	_, err := c.Conn.Write(c.held)
	c.held = c.held[:0]
	if cap(c.held) > maxHeld {
		c.held = nil
	}
	c.err = err
	return err
}

// Write sends p, or keeps it while a hold lasts.
func (c *Conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return 0, c.err
	}
	if !c.holding {
		return c.Conn.Write(p)
	}
	c.held = append(c.held, p...)
	if len(c.held) >= maxHeld {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// CloseWrite shuts the sending side down where the connection can (net/http ends a connection so
// when it closes it gracefully).
func (c *Conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

type connKey struct{}

// ConnContext is an http.Server's ConnContext: it makes a connection accepted by a Listener
// available to handlers (FromContext).
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if sc, ok := c.(*Conn); ok {
		return context.WithValue(ctx, connKey{}, sc)
	}
	return ctx
}

// FromContext returns the request's connection; nil when it was not accepted by a Listener
// (behind TLS, say).
func FromContext(ctx context.Context) *Conn {
	sc, _ := ctx.Value(connKey{}).(*Conn)
	return sc
}
