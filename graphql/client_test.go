package graphql_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/graphql"
	"github.com/rahataid/rahat/internal/pgtest"
	"github.com/rahataid/rahat/internal/segment"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// client posts GraphQL documents to a real handler over HTTP.
type client struct {
	url string
}

// gqlError is one error of a response, as the spec shapes it.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
	Status int             `json:"-"`
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// serve starts the handler on db behind an httptest server wired as rahat serve's (its
// connections accepted by a segment.Listener, so fast-path answers leave in one write).
func serve(t testing.TB, db *pgxpool.Pool, mod func(*graphql.Config)) *client {
	t.Helper()
	cfg := graphql.Config{DB: db, Logger: testLogger(t), Registry: prometheus.NewRegistry()}
	if mod != nil {
		mod(&cfg)
	}
	h, err := graphql.NewHandler(cfg)
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/graphql", h)
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener = segment.Listener{Listener: srv.Listener}
	srv.Config.ConnContext = segment.ConnContext
	srv.Start()
	t.Cleanup(srv.Close)
	return &client{url: srv.URL + "/graphql"}
}

// post sends a document (and variables) and decodes the response.
func (c *client) post(t testing.TB, query string, vars map[string]any) response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return c.raw(t, body)
}

func (c *client) raw(t testing.TB, body []byte) response {
	t.Helper()
	resp, err := http.Post(c.url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var r response
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("decoding %q: %v", b, err)
	}
	r.Status = resp.StatusCode
	return r
}

// data runs a query that must succeed and decodes its data into out.
func (c *client) data(t testing.TB, query string, vars map[string]any, out any) {
	t.Helper()
	r := c.post(t, query, vars)
	if len(r.Errors) > 0 {
		t.Fatalf("query failed: %+v\n%s", r.Errors, query)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatalf("decoding data %s: %v", r.Data, err)
	}
}

// fails runs a query that must fail with an error containing want.
func (c *client) fails(t testing.TB, query string, vars map[string]any, want string) gqlError {
	t.Helper()
	r := c.post(t, query, vars)
	for _, e := range r.Errors {
		if strings.Contains(e.Message, want) {
			return e
		}
	}
	t.Fatalf("want an error containing %q, got %+v (data %s)\n%s", want, r.Errors, r.Data, query)
	return gqlError{}
}
