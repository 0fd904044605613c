package graphql_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// sseEvent is one server-sent event.
type sseEvent struct {
	Event string
	Data  string
}

// sseClient is a subscriber over server-sent events (graphql-sse, distinct connections).
type sseClient struct {
	t      testing.TB
	events chan sseEvent
	resp   *http.Response
	cancel context.CancelFunc
}

// dialSSE POSTs an operation with Accept: text/event-stream; the response must be a stream.
func dialSSE(t testing.TB, url, query string, vars map[string]any, header http.Header) *sseClient {
	t.Helper()
	c, status := trySSE(t, url, query, vars, header)
	if status != http.StatusOK {
		t.Fatalf("SSE: status %d", status)
	}
	return c
}

// trySSE is dialSSE for a request that may be refused: it returns the status.
func trySSE(t testing.TB, url, query string, vars map[string]any, header http.Header) (*sseClient, int) {
	t.Helper()
	body := mustJSON(t, map[string]any{"query": query, "variables": vars})
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("SSE request: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, resp.StatusCode
	}
	c := &sseClient{t: t, events: make(chan sseEvent, 1024), resp: resp, cancel: cancel}
	t.Cleanup(c.close)
	go c.read()
	return c, resp.StatusCode
}

func (c *sseClient) close() {
	c.cancel()
	c.resp.Body.Close()
}

func (c *sseClient) read() {
	defer close(c.events)
	sc := bufio.NewScanner(c.resp.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var ev sseEvent
	var data []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.Event != "" || data != nil {
				ev.Data = strings.Join(data, "\n")
				c.events <- ev
			}
			ev, data = sseEvent{}, nil
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event:"):
			ev.Event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
}

// next returns the next event, failing after timeout; ok is false when the stream ended.
func (c *sseClient) next(timeout time.Duration) (sseEvent, bool) {
	c.t.Helper()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case ev, ok := <-c.events:
		return ev, ok
	case <-t.C:
		dumpOnTimeout(os.ErrDeadlineExceeded)
		c.t.Fatalf("no server-sent event within %s", timeout)
		return sseEvent{}, false
	}
}

// data reads the next next event and decodes its data into out.
func (c *sseClient) data(out any) {
	c.t.Helper()
	ev, ok := c.next(30 * time.Second)
	if !ok || ev.Event != "next" {
		c.t.Fatalf("want a next event, got %+v (stream open: %v)", ev, ok)
	}
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal([]byte(ev.Data), &r); err != nil {
		c.t.Fatalf("decoding %s: %v", ev.Data, err)
	}
	if len(r.Errors) > 0 {
		c.t.Fatalf("errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		c.t.Fatalf("decoding %s: %v", r.Data, err)
	}
}
