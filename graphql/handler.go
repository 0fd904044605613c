package graphql

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/exec"
	"github.com/rahataid/rahat/graphql/live"
	"github.com/rahataid/rahat/graphql/query"
)

// Defaults applied by Config where a field is zero.
const (
	DefaultTimeout       = 10 * time.Second
	DefaultMaxDepth      = 12
	DefaultMaxComplexity = 500_000
	DefaultCacheSize     = 1000
	DefaultMaxBodyBytes  = 1 << 20
	DefaultDeployment    = "rahat"
)

// Config configures the GraphQL handler.
type Config struct {
	// DB is the pool reads go through: the primary, or a read replica (`--read-database-url`).
	// Required.
	DB *pgxpool.Pool
	// KeysetDB, when set, is a pool of the same database whose sessions use generic plans
	// (store.PoolConfig.GenericPlans): connection pages after a cursor read through it, planned
	// once instead of at every page (query.Engine.SetKeysetDB).
	KeysetDB *pgxpool.Pool
	// Logger receives internal errors with their detail (clients never see it); nil discards.
	Logger *slog.Logger
	// Registry receives the rahat_graphql_* collectors; nil uses a private registry.
	Registry *prometheus.Registry
	// ChainID is the chain served; 0 serves the only chain the indexer has recorded.
	ChainID uint64
	// Deployment is what _meta.deployment reports (default "rahat").
	Deployment string
	// DisableIntrospection turns schema introspection off (it is on by default).
	DisableIntrospection bool
	// DisableGraphiQL stops serving the GraphiQL page to browsers.
	DisableGraphiQL bool
	// Timeout bounds each request, database work included (default 10s).
	Timeout time.Duration
	// MaxDepth bounds the nesting of selections (default 12).
	MaxDepth int
	// MaxComplexity bounds the estimated cost (see limits; default 500,000).
	MaxComplexity int
	// Limits bound first and skip (defaults: 100, 1000, 5000, as TheGraph).
	Limits query.Limits
	// CacheSize is the number of parsed queries and of automatic persisted queries kept (default 1000).
	CacheSize int
	// MaxBodyBytes bounds a request body (default 1 MiB).
	MaxBodyBytes int64
	// AllowedOrigins lists the browser origins allowed to query (CORS), e.g.
	// "https://dashboard.example.org"; nil allows every origin ("*"): the data is public chain data,
	// and dashboards call TheGraph's endpoints the same way.
	AllowedOrigins []string
	// NoFastPath sends every field through gqlgen's resolvers (tests compare both ways; see
	// fastpath.go).
	NoFastPath bool
	// Catalog overrides the entities served (tests); nil uses catalog.Default().
	Catalog *catalog.Catalog
	// Verifier checks the bearer tokens of the operational fields (distributions, claim
	// requests, settlements, transactions; see ops.go): the REST API's *auth.Verifier. Nil
	// refuses them all (UNAUTHENTICATED); the rest of the schema is public either way.
	Verifier TokenVerifier
	// Live, when set, serves subscriptions (websocket and SSE, on the same URL) from the hub's
	// notifications; nil refuses them. The hub must be Run by the caller (subscribe.go).
	Live *live.Hub
	// RequireAuth makes every request (queries, websocket connection_init, SSE) need a bearer
	// token the Verifier accepts; off by default: GraphQL is public, like TheGraph's.
	RequireAuth bool
	// Subscriptions bound the live transports (defaults in SubscriptionLimits).
	Subscriptions SubscriptionLimits
}

func (c Config) withDefaults() Config {
	c.Deployment = cmp.Or(c.Deployment, DefaultDeployment)
	c.Timeout = cmp.Or(c.Timeout, DefaultTimeout)
	c.MaxDepth = cmp.Or(c.MaxDepth, DefaultMaxDepth)
	c.MaxComplexity = cmp.Or(c.MaxComplexity, DefaultMaxComplexity)
	c.CacheSize = cmp.Or(c.CacheSize, DefaultCacheSize)
	c.MaxBodyBytes = cmp.Or(c.MaxBodyBytes, DefaultMaxBodyBytes)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Registry == nil {
		c.Registry = prometheus.NewRegistry()
	}
	return c
}

// Validate reports what is missing or out of range.
func (c Config) Validate() error {
	var errs []error
	if c.DB == nil {
		errs = append(errs, errors.New("graphql: DB is required"))
	}
	if c.RequireAuth && c.Verifier == nil {
		errs = append(errs, errors.New("graphql: RequireAuth needs a Verifier"))
	}
	errs = append(errs, c.Subscriptions.validate())
	if c.Timeout < 0 || c.MaxDepth < 0 || c.MaxComplexity < 0 || c.CacheSize < 0 || c.MaxBodyBytes < 0 {
		errs = append(errs, errors.New("graphql: limits must not be negative"))
	}
	return errors.Join(errs...)
}

// Server is the GraphQL endpoint: gqlgen's server with rahat's extensions, and the resolver.
// Subscriptions (issue 6) add their transports to GQL and re-run list queries through Resolver.
type Server struct {
	// GQL is the gqlgen server (transports may be added before serving).
	GQL *handler.Server
	// Resolver is the resolver root.
	Resolver *Resolver
	cfg      Config
	graphiQL bool
	direct   *direct // the fast path's entry point (nil with NoFastPath)
	// live serves subscriptions (nil without Config.Live); auth is Config.RequireAuth's check.
	live *subscriptions
	auth func(ctx context.Context, header string) error
}

// NewHandler returns the handler of /graphql: POST and GET queries (GraphQL over HTTP, JSON),
// automatic persisted queries, and GraphiQL on a browser's GET. Mount it at /graphql.
func NewHandler(cfg Config) (http.Handler, error) {
	s, err := NewServer(cfg)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// NewServer builds the server; NewHandler is NewServer for callers that need only the handler.
func NewServer(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cat := cfg.Catalog
	if cat == nil {
		var err error
		if cat, err = catalog.Default(); err != nil {
			return nil, fmt.Errorf("graphql: loading the catalog: %w", err)
		}
	}
	if err := checkModels(cat); err != nil {
		return nil, err
	}
	m, err := newMetrics(cfg.Registry)
	if err != nil {
		return nil, err
	}
	eng := query.NewEngine(cfg.DB, cat, int64(cfg.ChainID), cfg.Limits)
	eng.OnMerge(func(reads int) { m.merged.Inc(); m.mergedReads.Add(float64(reads)) })
	if cfg.KeysetDB != nil {
		eng.SetKeysetDB(cfg.KeysetDB)
	}
	res := NewResolver(eng, cfg.Deployment)
	res.ops = newOps(cfg.DB, cfg.Verifier, eng, cfg.ChainID, cfg.Logger)

	es := exec.NewExecutableSchema(exec.Config{Resolvers: res})
	srv := handler.New(es)
	auth := newAuthCheck(cfg)
	var subs *subscriptions
	if cfg.Live != nil { // first: an SSE GET or POST must not be taken for a query
		if subs, err = newSubscriptions(cfg, res, cfg.Registry, auth); err != nil {
			return nil, err
		}
		srv.AddTransport(liveTransport{subs})
		go subs.run(cfg.Live.Subscribe())
	}
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(postJSON{})
	docs := lru.New[*ast.QueryDocument](cfg.CacheSize)
	srv.SetQueryCache(docs)
	if !cfg.DisableIntrospection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](cfg.CacheSize)})
	srv.Use(limits{maxDepth: cfg.MaxDepth, maxCost: cfg.MaxComplexity, onReject: func(k string) { m.errors.WithLabelValues(k).Inc() }})
	p := presenter{log: cfg.Logger, timeout: cfg.Timeout, count: func(k string) { m.errors.WithLabelValues(k).Inc() }}
	srv.SetErrorPresenter(p.present)
	srv.SetRecoverFunc(p.recoverPanic)
	srv.AroundOperations(func(ctx context.Context, next gql.OperationHandler) gql.ResponseHandler {
		return next(withLoader(ctx))
	})
	srv.AroundResponses(m.observe)
	s := &Server{GQL: srv, Resolver: res, cfg: cfg, graphiQL: !cfg.DisableGraphiQL, live: subs, auth: auth}
	if !cfg.NoFastPath {
		fp := newFastPath(res)
		srv.AroundRootFields(fp.middleware)
		if s.direct, err = newDirect(fp, es.Schema(), docs, cfg, m.duration.WithLabelValues("ok")); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// ServeHTTP serves GraphiQL to a browser's plain GET and everything else to gqlgen, under the
// request timeout and body limit.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.cors(w, r) {
		return
	}
	if s.graphiQL && r.Method == http.MethodGet && r.URL.Query().Get("query") == "" &&
		r.URL.Query().Get("extensions") == "" && strings.Contains(r.Header.Get("Accept"), "text/html") {
		playground.Handler("rahat GraphQL", r.URL.Path).ServeHTTP(w, r)
		return
	}
	if s.live != nil && isLive(r) { // long-lived: no request timeout; the transports check auth
		s.GQL.ServeHTTP(w, r)
		return
	}
	if !s.authorized(w, r) {
		return
	}
	start := time.Now()
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	if s.direct != nil {
		// The fast path stops a little before the timeout, so that gqlgen, which answers whatever
		// the fast path does not, can still run the request and report the timeout itself.
		ctx, cancel := context.WithDeadline(r.Context(), start.Add(s.cfg.Timeout-min(s.cfg.Timeout/10, time.Second)))
		answered := s.direct.serve(ctx, w, r)
		cancel()
		if answered {
			return
		}
	}
	ctx, cancel := context.WithDeadline(r.Context(), start.Add(s.cfg.Timeout))
	defer cancel()
	ctx = WithAuthorization(ctx, r.Header.Get("Authorization"))
	s.GQL.ServeHTTP(w, r.WithContext(ctx))
}

// cors answers a preflight and sets the CORS headers of an allowed origin; false when the request
// is fully answered.
func (s *Server) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	allowed := len(s.cfg.AllowedOrigins) == 0
	for _, o := range s.cfg.AllowedOrigins {
		allowed = allowed || o == "*" || strings.EqualFold(o, origin)
	}
	if !allowed {
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusForbidden)
			return false
		}
		return true // no CORS headers: the browser withholds the answer
	}
	h := w.Header()
	if len(s.cfg.AllowedOrigins) == 0 {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
	}
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization, Accept")
		h.Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
		return false
	}
	return true
}
