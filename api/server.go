package api

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/jackc/pgx/v5"

	"github.com/rahataid/rahat/api/auth"
	"github.com/rahataid/rahat/contracts"
)

// Server is the command API: an http.Handler for the /v1/ tree and, in Run, the background
// worker that moves claims, distributions and settlements along as their transactions progress.
type Server struct {
	cfg      Config
	log      *slog.Logger
	verifier *auth.Verifier
	limiter  *limiter
	met      *metrics
	mux      *http.ServeMux
	routes   []route
	project  abi.ABI
	token    abi.ABI
	chain    *chainReader
}

// New checks cfg, loads the token-verification keys and returns the API, to be mounted at /v1/
// (it serves full /v1/... paths). Start Run for the background worker.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	v := cfg.Verifier
	if v == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var err error
		if v, err = auth.NewVerifier(ctx, cfg.Auth); err != nil {
			return nil, err
		}
	}
	met, err := newMetrics(cfg.Registry, cfg.DB, cfg.ChainID, cfg.Now, cfg.Logger)
	if err != nil {
		return nil, err
	}
	proj, err := contracts.ABI(contracts.RahatProject)
	if err != nil {
		return nil, err
	}
	tok, err := contracts.ABI(contracts.RahatToken)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, log: cfg.Logger.With("component", "api"), verifier: v, met: met,
		limiter: newLimiter(cfg.RatePerSecond, cfg.RateBurst, cfg.Now), project: proj, token: tok,
		chain: &chainReader{client: cfg.Client, project: proj, token: tok},
	}
	s.routes = s.routeTable()
	s.mux = http.NewServeMux()
	paths := map[string][]string{}
	for _, rt := range s.routes {
		s.mux.Handle(rt.method+" "+rt.path, s.wrap(rt))
		paths[rt.path] = append(paths[rt.path], rt.method)
	}
	// The same path with another method: 405 with Allow, in the API's error shape.
	for p, methods := range paths {
		allow := strings.Join(methods, ", ")
		s.mux.Handle(p, s.plain(func(w http.ResponseWriter, r *http.Request) *Error {
			w.Header().Set("Allow", allow)
			return errorf(CodeMethodNotAllowed, "%s is not allowed here (allowed: %s)", r.Method, allow)
		}))
	}
	s.mux.Handle("/", s.plain(func(w http.ResponseWriter, r *http.Request) *Error {
		return errorf(CodeNotFound, "no such endpoint")
	}))
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// handler is the body of an endpoint. For write routes rq.tx is the request's database
// transaction, and the handler must do all its database work in it (never through the pools: a
// concurrent repeat of an idempotent request holds a pool connection while it waits, and the
// first must not need another to finish).
type handler func(ctx context.Context, rq *request) (status int, body any, err error)

// route is one endpoint; the OpenAPI test checks the table against openapi.json.
type route struct {
	op         string // OpenAPI operationId
	method     string
	path       string
	roles      []auth.Role // nil: public
	write      bool        // runs in a database transaction
	idempotent bool        // requires Idempotency-Key (implies write)
	bodyLimit  int64
	body       any // the request body type, nil for none
	handle     handler
}

// request is what a handler gets.
type request struct {
	r    *http.Request
	id   string
	p    auth.Principal
	body []byte
	tx   pgx.Tx
}

// decode reads the request body into v (see decodeJSON).
func (rq *request) decode(v any) *Error {
	return decodeJSON(rq.body, rq.r.Header.Get("Content-Type"), v)
}

// pathID parses the {id} path segment.
func (rq *request) pathID() (int64, *Error) {
	id, err := strconv.ParseInt(rq.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errorf(CodeNotFound, "no such resource")
	}
	return id, nil
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// requestID returns the caller's X-Request-Id when it is safe to echo and log, else a new one.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); requestIDPattern.MatchString(id) {
		return id
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// plain wraps a handler that needs no authentication (404, 405).
func (s *Server) plain(f func(http.ResponseWriter, *http.Request) *Error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := requestID(r)
		w.Header().Set("X-Request-Id", id)
		e := f(w, r)
		s.met.requests.WithLabelValues("unmatched", r.Method, strconv.Itoa(e.Code.status())).Inc()
		writeJSON(w, e.Code.status(), e.body(id))
	})
}

// wrap runs one route: request id, recovery, logging and metrics, authentication, rate limit,
// roles, body limit, idempotency and the database transaction.
func (s *Server) wrap(rt route) http.Handler {
	label := rt.method + " " + rt.path
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.cfg.Now()
		rq := &request{r: r, id: requestID(r)}
		w.Header().Set("X-Request-Id", rq.id)
		s.met.inflight.Inc()
		defer s.met.inflight.Dec()
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
		defer cancel()

		status, body, replayed, err := s.serve(ctx, w, rt, rq)
		if replayed {
			w.Header().Set("Idempotent-Replayed", "true")
			s.met.replays.Inc()
		}
		writeJSON(w, status, body)

		s.met.requests.WithLabelValues(label, rt.method, strconv.Itoa(status)).Inc()
		s.met.duration.WithLabelValues(label).Observe(time.Since(start).Seconds())
		attrs := []any{"request_id", rq.id, "route", label, "status", status, "ms", time.Since(start).Milliseconds()}
		if rq.p.Subject != "" {
			attrs = append(attrs, "subject", rq.p.Subject)
		}
		switch {
		case err != nil && status >= 500:
			s.log.Error("request failed", append(attrs, "err", err)...)
		case err != nil:
			s.log.Info("request refused", append(attrs, "err", err)...)
		default:
			s.log.Debug("request", attrs...)
		}
	})
}

// serve returns the status and body to write; err (possibly internal) is for the log only.
func (s *Server) serve(ctx context.Context, w http.ResponseWriter, rt route, rq *request) (status int, body []byte, replayed bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			e := internal(fmt.Errorf("panic: %v\n%s", p, debug.Stack()))
			status, body, replayed, err = e.Code.status(), e.body(rq.id), false, e
		}
	}()
	fail := func(e *Error) (int, []byte, bool, error) { return e.Code.status(), e.body(rq.id), false, e }

	if rt.roles != nil {
		p, e := s.authenticate(ctx, w, rq.r)
		if e != nil {
			return fail(e)
		}
		rq.p = p
		if ok, wait := s.limiter.allow(p.Subject); !ok {
			s.met.rateLimited.Inc()
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			return fail(errorf(CodeRateLimited, "too many requests; retry after %d s", int(wait.Seconds())+1))
		}
		if !p.Has(rt.roles...) {
			return fail(errorf(CodeForbidden, "this operation needs the role %s", joinRoles(rt.roles)))
		}
	}
	limit := cmp.Or(rt.bodyLimit, s.cfg.BodyLimit)
	b, e := readBody(w, rq.r, limit)
	if e != nil {
		return fail(e)
	}
	rq.body = b
	if rt.body == nil && len(b) > 0 && strings.TrimSpace(string(b)) != "{}" {
		return fail(errorf(CodeInvalidRequest, "this operation takes no request body"))
	}
	key := rq.r.Header.Get("Idempotency-Key")
	if rt.idempotent {
		if key == "" {
			return fail(errorf(CodeIdempotencyRequired, "this operation moves tokens and needs an Idempotency-Key header"))
		}
		if len(key) > 255 || strings.ContainsFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
			return fail(invalid(FieldError{Field: "Idempotency-Key", Problem: "must be 1-255 printable ASCII characters"}))
		}
	}
	if !rt.write {
		st, v, err := rt.handle(ctx, rq)
		if err = nilError(err); err != nil {
			return fail(asError(err))
		}
		out, err := json.Marshal(v)
		if err != nil {
			return fail(internal(err))
		}
		return st, out, false, nil
	}
	return s.inTx(ctx, rt, rq, key)
}

// inTx runs a write route in one database transaction, with the idempotency record in it.
func (s *Server) inTx(ctx context.Context, rt route, rq *request, key string) (int, []byte, bool, error) {
	fail := func(e *Error) (int, []byte, bool, error) { return e.Code.status(), e.body(rq.id), false, e }
	tx, err := s.cfg.DB.Begin(ctx)
	if err != nil {
		return fail(unavailable("the database", err))
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	rq.tx = tx
	if rt.idempotent {
		prev, e := claimKey(ctx, tx, rq, key)
		if e != nil {
			return fail(e)
		}
		if prev != nil {
			return prev.status, prev.body, true, nil
		}
	}
	status, v, herr := rt.handle(ctx, rq)
	herr = nilError(herr)
	var out []byte
	if herr != nil {
		e := asError(herr)
		if !e.keep {
			return fail(e)
		}
		status, out = e.Code.status(), e.body(rq.id)
	} else if out, err = json.Marshal(v); err != nil {
		return fail(internal(err))
	}
	if rt.idempotent {
		if err := completeKey(ctx, tx, rq, key, status, out); err != nil {
			return fail(internal(err))
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fail(unavailable("the database", fmt.Errorf("committing: %w", err)))
	}
	return status, out, false, herr
}

// authenticate verifies the bearer token.
func (s *Server) authenticate(ctx context.Context, w http.ResponseWriter, r *http.Request) (auth.Principal, *Error) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		s.met.authFail.WithLabelValues("missing").Inc()
		w.Header().Set("WWW-Authenticate", `Bearer realm="rahat"`)
		return auth.Principal{}, errorf(CodeUnauthorized, "a bearer token is required")
	}
	p, err := s.verifier.Verify(ctx, strings.TrimSpace(tok))
	if err != nil {
		var ae *auth.Error
		reason := "invalid"
		if errors.As(err, &ae) {
			reason = ae.Reason
		}
		s.met.authFail.WithLabelValues(reason).Inc()
		w.Header().Set("WWW-Authenticate", `Bearer realm="rahat", error="invalid_token"`)
		return auth.Principal{}, &Error{Code: CodeUnauthorized, Message: "the bearer token is invalid or expired", Err: err}
	}
	return p, nil
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func joinRoles(roles []auth.Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, " or ")
}

// nilError turns a nil *Error held in an error interface into a nil error.
func nilError(err error) error {
	if e, ok := err.(*Error); ok && e == nil {
		return nil
	}
	return err
}
