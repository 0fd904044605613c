package graphql

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// sseStream is the response of an SSE subscription (graphql-sse's "distinct connections" mode:
// one operation per request). The pool's writers write it while the request's goroutine waits.
type sseStream struct {
	w    http.ResponseWriter
	rc   *http.ResponseController
	done chan struct{}
	once sync.Once
}

func (st *sseStream) finish() { st.once.Do(func() { close(st.done) }) }

// write writes one message as server-sent events.
func (st *sseStream) write(m *outMsg, deadline time.Time) error {
	st.rc.SetWriteDeadline(deadline) //nolint:errcheck // not every ResponseWriter supports deadlines
	var err error
	switch m.kind {
	case msgNext:
		err = writeEvent(st.w, "event: next\ndata: ", m.data, "\n\n")
	case msgError:
		err = writeEvent(st.w, `event: next`+"\n"+`data: {"errors":`, m.data, "}\n\nevent: complete\ndata:\n\n")
	case msgComplete:
		err = writeEvent(st.w, "event: complete\ndata:\n\n", nil, "")
	case msgKeepAlive:
		err = writeEvent(st.w, ":\n\n", nil, "")
	case msgClose:
		st.finish()
		return errClosed
	default:
		return nil
	}
	if err != nil {
		return err
	}
	return st.rc.Flush()
}

func writeEvent(w io.Writer, head string, data []byte, tail string) error {
	if _, err := io.WriteString(w, head); err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	_, err := io.WriteString(w, tail)
	return err
}

// serveSSE serves one operation as an event stream: GET with query, variables, operationName
// and extensions in the URL, or POST with a JSON body, and Accept: text/event-stream. A request
// refused before the stream starts (auth, limits, an invalid document) is answered with a status
// and a JSON errors body, as graphql-sse specifies.
func (s *subscriptions) serveSSE(w http.ResponseWriter, r *http.Request, exec gql.GraphExecutor) {
	authz := r.Header.Get("Authorization")
	if err := s.auth(r.Context(), authz); err != nil {
		s.m.rejected.WithLabelValues("auth").Inc()
		writeJSONError(w, http.StatusUnauthorized, err.Error(), codeUnauthenticated)
		return
	}
	p, err := sseParams(r)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err.Error(), "BAD_REQUEST")
		return
	}
	c := &liveConn{s: s, proto: protoSSE, ip: clientIP(r), exec: exec, authz: authz}
	if !s.addConn(c) {
		s.m.rejected.WithLabelValues("connections_per_ip").Inc()
		writeJSONError(w, http.StatusTooManyRequests, "too many live connections from this address, or the server is shutting down", "TOO_MANY_CONNECTIONS")
		return
	}
	defer s.removeConn(c)
	ctx := gql.StartOperationTrace(WithAuthorization(r.Context(), authz))
	vctx, cancel := context.WithTimeout(ctx, s.timeout)
	oc, errs := exec.CreateOperationContext(vctx, p)
	cancel()
	if errs != nil {
		resp := exec.DispatchError(gql.WithOperationContext(ctx, oc), errs)
		w.Header().Set("Content-Type", contentJSON)
		w.WriteHeader(http.StatusBadRequest)
		writeResponse(w, resp)
		return
	}

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{}) //nolint:errcheck // not every ResponseWriter supports deadlines
	io.WriteString(w, ":\n\n")       //nolint:errcheck // a gone client ends the stream below
	rc.Flush()                       //nolint:errcheck // idem
	c.sse = &sseStream{w: w, rc: rc, done: make(chan struct{})}
	c.start()

	sub := &subscription{conn: c, qid: []byte(`""`)}
	c.addSub(sub)
	bctx, cancel := context.WithTimeout(ctx, s.timeout)
	failed := s.beginOp(bctx, c, sub, oc, p.Variables)
	cancel()
	if failed != nil {
		c.fail(sub, failed)
		c.close(0, "", closeGrace)
	} else if oc.Operation.Operation != ast.Subscription {
		c.close(0, "", closeGrace)
	}
	select {
	case <-r.Context().Done():
	case <-c.sse.done:
	}
	c.cleanup()
	// Nothing may write the response once the handler returns.
	c.writing.Wait()
}

// sseParams reads the operation of an SSE request.
func sseParams(r *http.Request) (*gql.RawParams, error) {
	p := &gql.RawParams{Headers: r.Header}
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		p.Query, p.OperationName = q.Get("query"), q.Get("operationName")
		for name, dst := range map[string]any{"variables": &p.Variables, "extensions": &p.Extensions} {
			if v := q.Get(name); v != "" {
				dec := json.NewDecoder(bytes.NewReader([]byte(v)))
				dec.UseNumber()
				if err := dec.Decode(dst); err != nil {
					return nil, errors.New(name + " is not a JSON object")
				}
			}
		}
		return p, nil
	}
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	if err := dec.Decode(p); err != nil {
		return nil, errors.New("the request body is not a GraphQL request in JSON")
	}
	return p, nil
}

// writeJSONError answers with a status and a GraphQL errors body.
func writeJSONError(w http.ResponseWriter, status int, msg, code string) {
	w.Header().Set("Content-Type", contentJSON)
	w.WriteHeader(status)
	w.Write([]byte(`{"errors":`)) //nolint:errcheck // the client went away
	w.Write(errorJSON(msg, code)) //nolint:errcheck // idem
	w.Write([]byte(`}`))          //nolint:errcheck // idem
}
