package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/ethereum/go-ethereum/accounts/abi/bind"
	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/rahataid/rahat/config"
	"github.com/rahataid/rahat/contracts/bindings"
	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/indexer"
	"github.com/rahataid/rahat/internal/pgtest"
	"github.com/rahataid/rahat/workload"
)

// screenshotEnv names where TestStatusPage saves its screenshot, relative to the repository's root
// (`RAHAT_SCREENSHOT=docs/status-page.png` refreshes the documentation's); unset, it goes to the
// test's temporary directory.
const screenshotEnv = "RAHAT_SCREENSHOT"

// TestStatusPage runs the real stack (Postgres, the dev chain, `rahat index`, `rahat serve`) and
// opens the status page in headless Chromium. The page must show the indexed head; then a new
// event goes on the chain, and the page must show it, streamed through the GraphQL subscription,
// within a second of the indexer's commit. A screenshot of the page is saved. Then a second page,
// whose requests to /graphql are blocked, must fall back to polling and still show new events.
func TestStatusPage(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	st := newStack(t, ctx)
	idx := startIndex(t, st.bin, st.cfgPath, st.env, "index")
	idx.waitLog(t, ctx, msgActive)

	// Some history for the page: a round of the workload and a reorg that re-includes its last
	// blocks' transactions.
	play(t, ctx, st.chain, st.dep, st.opts, 1)
	waitIndexed(t, ctx, st.db, st.chain.Head().Latest.Number)
	if _, err := st.chain.Reorg(ctx, 2, 3, devchain.ReorgOptions{Reinclude: true}); err != nil {
		t.Fatalf("reorg: %v", err)
	}
	head := st.chain.Head().Latest.Number
	waitIndexed(t, ctx, st.db, head)
	_, base := st.startServe(t, ctx, "serve")

	browser, console := newBrowser(t)
	if err := chromedp.Do(browser, chromedp.Navigate(base+"/")); err != nil {
		t.Fatalf("opening %s: %v", base, err)
	}
	defer func() {
		if t.Failed() {
			t.Logf("the page's console:\n%s", console())
		}
	}()
	pollPage(t, browser, 30*time.Second, "the indexed head",
		fmt.Sprintf(`document.getElementById('indexed-%d')?.textContent === '%d'`, devchain.ChainID, head))
	pollPage(t, browser, 30*time.Second, "the live subscriptions",
		`document.documentElement.dataset.live === 'ws' && Number(document.documentElement.dataset.subs) > 0`)

	// A new event: a token created through the treasury. The test listens for the indexer's
	// commit of its block, then gives the page one second from there.
	notes := listenCommits(t, ctx, st.url)
	tx, block := createToken(t, ctx, st, "Status page token")
	committed := notes.waitBlock(t, ctx, block)
	sel := fmt.Sprintf(`tr[data-tx="%s"][data-via="graphql"]`, strings.ToLower(tx.Hex()))
	pollPage(t, browser, time.Second-time.Since(committed), "the new event, within a second of its commit",
		fmt.Sprintf(`document.querySelector('%s') !== null`, sel))
	t.Logf("the event of block %d was on the page %v after the indexer's commit", block, time.Since(committed).Round(time.Millisecond))
	// The throughput counts the new events by the next poll of /status.json (every 5 s while live).
	pollPage(t, browser, 30*time.Second, "a throughput above zero",
		fmt.Sprintf(`Number(document.getElementById('rate-%d')?.textContent) > 0`, devchain.ChainID))

	png, err := chromedp.Run(browser, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(t.TempDir(), "status-page.png")
	if p := os.Getenv(screenshotEnv); p != "" {
		path = p
		if !filepath.IsAbs(p) {
			path = filepath.Join("..", "..", p) // the test runs in cmd/rahat
		}
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the status page: %s", path)

	// Without the websocket (a proxy that refuses upgrades, say), a page falls back to polling
	// /status.json, which brings the next event too.
	tab, closeTab := chromedp.NewContext(browser)
	defer closeTab()
	blocked := network.SetBlockedURLsParams{URLPatterns: []*network.BlockPattern{{URLPattern: "*://*:*/graphql", Block: true}}}
	if err := chromedp.Do(tab,
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, t, network.SetBlockedURLs, blocked)
			return err
		}),
		chromedp.Navigate(base+"/"),
	); err != nil {
		t.Fatalf("opening %s without /graphql: %v", base, err)
	}
	pollPage(t, tab, 30*time.Second, "the fallback to polling", `document.documentElement.dataset.live === 'polling'`)
	tx, block = createToken(t, ctx, st, "Polled token")
	notes.waitBlock(t, ctx, block)
	pollPage(t, tab, 30*time.Second, "the new event, polled",
		fmt.Sprintf(`document.querySelector('tr[data-tx="%s"][data-via="json"]') !== null`, strings.ToLower(tx.Hex())))
	pollPage(t, tab, 30*time.Second, "the indexed head, polled",
		fmt.Sprintf(`document.getElementById('indexed-%d')?.textContent === '%d'`, devchain.ChainID, block))
}

// TestStatusPageSwitch checks serve.status_page: on, `rahat serve` answers / and /status.json;
// off, neither.
func TestStatusPageSwitch(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t)
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprint("status_page=", on), func(t *testing.T) {
			cfg := config.Defaults()
			cfg.Serve.StatusPage = on
			ctx, cancel := context.WithCancel(t.Context())
			g, gctx := errgroup.WithContext(ctx)
			mux, err := newServeMux(gctx, g, serveDeps{cfg: cfg, db: &database{Pool: pool, Read: pool},
				log: slog.New(slog.DiscardHandler), reg: prometheus.NewRegistry()})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				cancel()
				if err := g.Wait(); err != nil {
					t.Errorf("background workers: %v", err)
				}
			}()
			want := map[bool]int{true: http.StatusOK, false: http.StatusNotFound}[on]
			for _, path := range []string{"/", "/status.json"} {
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
				if rec.Code != want {
					t.Errorf("GET %s = %d, want %d", path, rec.Code, want)
				}
			}
		})
	}
}

// stack is the real stack of the end-to-end tests: a dev chain with the contracts deployed, a
// fresh database and the built binary with a config for both.
type stack struct {
	bin, cfgPath, url string
	env               []string
	chain             *devchain.Chain
	dep               *workload.Deployment
	opts              workload.Options
	db                *pgxpool.Pool
}

func newStack(t *testing.T, ctx context.Context) *stack {
	t.Helper()
	s := &stack{bin: buildRahat(t, ctx)}
	var err error
	s.chain, err = devchain.Start(ctx, devchain.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("starting the dev chain: %v", err)
	}
	t.Cleanup(func() { _ = s.chain.Close() })
	s.opts = workload.Options{
		Logger: slog.New(slog.DiscardHandler),
		Seal:   func(ctx context.Context) error { _, err := s.chain.Mine(ctx, 1); return err },
	}
	if s.dep, err = workload.Deploy(ctx, s.chain.Client(), s.chain.Keys()[0], s.opts); err != nil {
		t.Fatalf("deploying: %v", err)
	}
	s.cfgPath = writeFailoverConfig(t, s.chain, s.dep)
	s.url = pgtest.NewURL(t)
	s.env = append(os.Environ(), "RAHAT_DATABASE_URL="+s.url)
	s.db = openPool(t, ctx, s.url)
	return s
}

// startServe starts `rahat serve` on a port of the kernel's choosing and returns it with its base
// URL, read from its log.
func (s *stack) startServe(t *testing.T, ctx context.Context, name string) (*indexProc, string) {
	t.Helper()
	p := startRahat(t, s.bin, name, append(s.env, "RAHAT_SERVE_ADDR=127.0.0.1:0"), "serve", "--config", s.cfgPath)
	p.waitLog(t, ctx, "http serving")
	sc := bufio.NewScanner(strings.NewReader(p.logText()))
	for sc.Scan() {
		var rec struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "http serving" {
			return p, rec.Addr
		}
	}
	t.Fatalf("rahat %s logged no address:\n%s", name, p.logText())
	return nil, ""
}

// startRahat runs the binary with args, reading its JSON log as startIndex does.
func startRahat(t *testing.T, bin, name string, env []string, args ...string) *indexProc {
	t.Helper()
	p := &indexProc{name: name, seen: map[string]bool{}, changed: make(chan struct{}), done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = env
	p.cmd.WaitDelay = 10 * time.Second
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting rahat %s: %v", strings.Join(args, " "), err)
	}
	go p.read(stderr)
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		_ = p.cmd.Wait()
		if t.Failed() {
			t.Logf("log of rahat %s (%s):\n%s", name, args[0], p.logText())
		}
	})
	return p
}

// createToken creates a token through the treasury (a TokenCreated event, and the token's own
// constructor events), seals the block and returns the transaction's hash and block.
func createToken(t *testing.T, ctx context.Context, s *stack, name string) (common.Hash, uint64) {
	t.Helper()
	treasury, err := bindings.NewRahatTreasury(s.dep.Treasury, s.chain.Client())
	if err != nil {
		t.Fatal(err)
	}
	opts, err := bind.NewKeyedTransactorWithChainID(s.chain.Keys()[0], big.NewInt(devchain.ChainID))
	if err != nil {
		t.Fatal(err)
	}
	opts.Context = ctx
	tx, err := treasury.CreateToken(opts, name, "STP", 2)
	if err != nil {
		t.Fatalf("createToken: %v", err)
	}
	if _, err := s.chain.Mine(ctx, 1); err != nil {
		t.Fatal(err)
	}
	rc, err := s.chain.Client().TransactionReceipt(ctx, tx.Hash())
	if err != nil || rc.Status != 1 {
		t.Fatalf("createToken receipt %+v: %v", rc, err)
	}
	return tx.Hash(), rc.BlockNumber.Uint64()
}

// commits is a LISTEN on the indexer's channel: it delivers the notifications of commits.
type commits struct {
	ch  chan indexer.Notification
	err chan error
}

// listenCommits listens for the indexer's commits on a connection of its own, from now on.
func listenCommits(t *testing.T, ctx context.Context, url string) *commits {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{indexer.NotifyChannel}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	lctx, stop := context.WithCancel(ctx)
	c := &commits{ch: make(chan indexer.Notification, 1024), err: make(chan error, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			n, err := conn.WaitForNotification(lctx)
			if err != nil {
				c.err <- err
				return
			}
			var note indexer.Notification
			if err := json.Unmarshal([]byte(n.Payload), &note); err != nil {
				c.err <- err
				return
			}
			c.ch <- note
		}
	}()
	t.Cleanup(func() {
		stop()
		<-done
		_ = conn.Close(context.Background())
	})
	return c
}

// waitBlock waits for the commit that indexes block n and returns when it was announced.
func (c *commits) waitBlock(t *testing.T, ctx context.Context, n uint64) time.Time {
	t.Helper()
	for {
		select {
		case note := <-c.ch:
			if note.To >= n {
				return time.Now()
			}
		case err := <-c.err:
			t.Fatalf("listening for commits: %v", err)
		case <-ctx.Done():
			t.Fatalf("block %d was not indexed: %v", n, ctx.Err())
		}
	}
}

// newBrowser starts headless Chromium for the test and returns its context (a tab) and a func
// that returns what the page wrote to its console.
func newBrowser(t *testing.T) (context.Context, func() string) {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Fatal("the status page test needs Chromium: install it (Debian/Ubuntu: apt-get install chromium)")
	}
	var (
		mu  sync.Mutex
		out bytes.Buffer
	)
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(&out, format+"\n", args...)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.NoSandbox, // tests run as root in CI, where Chromium refuses its sandbox
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true), // containers have a small /dev/shm
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.WindowSize(1280, 900),
	)
	browser, cancelBrowser := chromedp.NewContext(actx, chromedp.WithLogf(logf), chromedp.WithErrorf(logf))
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Do(browser); err != nil { // starts Chromium, without a deadline (see chromedp.Run)
		t.Fatalf("starting Chromium (%s): %v", path, err)
	}
	go func() {
		for m, err := range chromedp.Console(browser) {
			if err != nil {
				return
			}
			logf("console %s", m)
		}
	}()
	return browser, func() string {
		mu.Lock()
		defer mu.Unlock()
		return out.String()
	}
}

// pollPage waits until the JavaScript predicate holds on the page, re-checking it on every change
// of the DOM, and fails the test after timeout.
func pollPage(t *testing.T, browser context.Context, timeout time.Duration, what, predicate string) {
	t.Helper()
	if timeout <= 0 {
		t.Fatalf("no time left to wait for %s", what)
	}
	ctx, cancel := context.WithTimeout(browser, timeout+5*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](predicate, chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(timeout))); err != nil {
		html, _ := chromedp.Run(browser, chromedp.Evaluate[string](`document.querySelector('main')?.innerText ?? ''`))
		t.Fatalf("the page did not show %s within %v: %v\n%s", what, timeout, err, html)
	}
}
