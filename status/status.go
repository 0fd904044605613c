package status

import (
	"cmp"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rahataid/rahat/graphql/live"
)

// Defaults applied by Config where a field is zero.
const (
	DefaultWindow   = time.Minute
	DefaultCacheFor = time.Second
	DefaultReorgs   = 10
	DefaultEvents   = 20
	DefaultTimeout  = 3 * time.Second
)

//go:embed web
var webFS embed.FS

// Config configures the status page.
type Config struct {
	// DB is the pool the page's reads go through: the primary or a read replica. Required.
	DB *pgxpool.Pool
	// Hub is the subscriptions' hub of the indexer's commit notifications (graphql/live), which
	// Run follows to measure throughput; nil leaves throughput unknown.
	Hub *live.Hub
	// Logger receives read and listener errors (clients see a generic message); nil discards.
	Logger *slog.Logger
	// ChainID is the chain /graphql serves (0: the only one indexed); the page moves that chain's
	// indexed block as the newBlocks subscription announces blocks.
	ChainID uint64
	// Version is the build's version, shown on the page.
	Version string
	// Window is the span throughput is averaged over (default 1 minute).
	Window time.Duration
	// CacheFor is how long a snapshot answers every request before the next read (default 1 s),
	// so that many open pages cost the database one read a second.
	CacheFor time.Duration
	// Reorgs is how many recent reorgs the page lists (default 10).
	Reorgs int
	// Events is how many recent events /status.json lists (default 20).
	Events int
	// Timeout bounds one snapshot's reads (default 3 s).
	Timeout time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.Version = cmp.Or(c.Version, "dev")
	c.Window = cmp.Or(c.Window, DefaultWindow)
	c.CacheFor = cmp.Or(c.CacheFor, DefaultCacheFor)
	c.Reorgs = cmp.Or(c.Reorgs, DefaultReorgs)
	c.Events = cmp.Or(c.Events, DefaultEvents)
	c.Timeout = cmp.Or(c.Timeout, DefaultTimeout)
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate reports what is missing or out of range.
func (c Config) Validate() error {
	switch {
	case c.DB == nil:
		return errors.New("status: Config.DB is required")
	case c.Window < 0 || c.CacheFor < 0 || c.Timeout < 0:
		return errors.New("status: Window, CacheFor and Timeout must not be negative")
	case c.Reorgs < 0 || c.Reorgs > 1000 || c.Events < 0 || c.Events > 1000:
		return errors.New("status: Reorgs and Events must be between 0 and 1000")
	}
	return nil
}

// Server serves the status page and its JSON. Run measures throughput; without it the page works
// and reports throughput as unknown.
type Server struct {
	cfg    Config
	assets map[string]asset
	meter  meter

	// fetch serialises snapshot reads: concurrent requests wait for the one read in flight and
	// share its result, rather than each reading.
	fetch  sync.Mutex
	mu     sync.Mutex // guards cached and cachedAt
	cached []byte
	at     time.Time
}

// asset is an embedded file with the ETag of its content.
type asset struct {
	body  []byte
	ctype string
	etag  string
}

// New checks cfg and returns the Server.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg.withDefaults(), assets: map[string]asset{}}
	err := fs.WalkDir(webFS, "web", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := webFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		s.assets[path.Base(p)] = asset{body: b, ctype: mime.TypeByExtension(path.Ext(p)), etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("status: reading the embedded page: %w", err)
	}
	return s, nil
}

// Mount registers the page at "/" (exactly), its snapshot at "/status.json" and its script and
// style under "/status/".
func (s *Server) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { s.serveAsset(w, r, "index.html") })
	mux.HandleFunc("GET /status/{file}", func(w http.ResponseWriter, r *http.Request) { s.serveAsset(w, r, r.PathValue("file")) })
	mux.HandleFunc("GET /status.json", s.serveJSON)
}

// Handler returns a handler serving what Mount registers, for use outside a ServeMux.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.Mount(mux)
	return mux
}

func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	a, ok := s.assets[name]
	if !ok || name == "index.html" && r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	setSecurityHeaders(h)
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", "no-cache") // revalidate with the ETag, so an upgrade shows at once
	h.Set("ETag", a.etag)
	if r.Header.Get("If-None-Match") == a.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(a.body)
}

// setSecurityHeaders confines the page to its own origin: scripts, styles and connections
// (fetch and websocket) to the server that served it, no framing, no referrer to other sites.
func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

func (s *Server) serveJSON(w http.ResponseWriter, r *http.Request) {
	body, err := s.snapshotJSON(r.Context())
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if err != nil {
		s.cfg.Logger.Warn("status snapshot failed", "err", err)
		http.Error(w, "status unavailable: the database did not answer", http.StatusServiceUnavailable)
		return
	}
	h.Set("Content-Type", "application/json")
	w.Write(body)
}

// snapshotJSON returns the cached snapshot while it is fresh, else reads a new one.
func (s *Server) snapshotJSON(ctx context.Context) ([]byte, error) {
	if b := s.fresh(); b != nil {
		return b, nil
	}
	s.fetch.Lock()
	defer s.fetch.Unlock()
	if b := s.fresh(); b != nil { // read by the request we waited for
		return b, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	snap, err := s.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(snap)
	if err != nil {
		return nil, fmt.Errorf("encoding the status: %w", err)
	}
	s.mu.Lock()
	s.cached, s.at = b, s.cfg.Now()
	s.mu.Unlock()
	return b, nil
}

func (s *Server) fresh() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached != nil && s.cfg.Now().Sub(s.at) < s.cfg.CacheFor {
		return s.cached
	}
	return nil
}
