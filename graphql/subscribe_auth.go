package graphql

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// newAuthCheck returns the check of an Authorization value that Config.RequireAuth asks of every
// request (HTTP queries, websocket connection_init, SSE requests): a bearer token the Verifier
// accepts. Without RequireAuth the check passes everything: GraphQL is public, like TheGraph's.
func newAuthCheck(cfg Config) func(ctx context.Context, header string) error {
	if !cfg.RequireAuth {
		return func(context.Context, string) error { return nil }
	}
	return func(ctx context.Context, header string) error {
		scheme, tok, ok := strings.Cut(strings.TrimSpace(header), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return errors.New("this server needs a bearer token (Authorization: Bearer <JWT>)")
		}
		if _, err := cfg.Verifier.Verify(ctx, strings.TrimSpace(tok)); err != nil {
			return errors.New("the bearer token is invalid or expired")
		}
		return nil
	}
}

// authorized checks a plain HTTP request when auth is required, answering 401 when it fails.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if !s.cfg.RequireAuth {
		return true
	}
	if err := s.auth(r.Context(), r.Header.Get("Authorization")); err != nil {
		w.Header().Set("WWW-Authenticate", "Bearer")
		writeJSONError(w, http.StatusUnauthorized, err.Error(), codeUnauthenticated)
		return false
	}
	return true
}

// originAllowed applies Config.AllowedOrigins to a websocket's Origin, as CORS does to requests.
func originAllowed(allowed []string, origin string) bool {
	if origin == "" || len(allowed) == 0 {
		return true
	}
	for _, o := range allowed {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}
