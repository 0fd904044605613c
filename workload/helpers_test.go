package workload

import (
	"context"
	"log/slog"
	"math/big"
	"net/http"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/rahataid/rahat/contracts"
	"github.com/rahataid/rahat/devchain"
	"github.com/rahataid/rahat/internal/chainlogs"
)

// bench is a fresh dev chain, sealed on demand, with a client that talks to it over HTTP JSON-RPC as an
// out-of-process tool would.
type bench struct {
	chain  *devchain.Chain
	client *ethclient.Client
	opts   Options
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func newBench(t testing.TB, cfg devchain.Config) *bench {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	c, err := devchain.Start(t.Context(), cfg)
	if err != nil {
		t.Fatalf("starting dev chain: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("closing dev chain: %v", err)
		}
	})
	// Our own transport, so that its idle connections can be closed before the node's graceful shutdown
	// waits for them.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	rc, err := rpc.DialOptions(t.Context(), c.HTTPURL(), rpc.WithHTTPClient(&http.Client{Transport: transport}))
	if err != nil {
		t.Fatalf("dialing %s: %v", c.HTTPURL(), err)
	}
	t.Cleanup(func() {
		rc.Close()
		transport.CloseIdleConnections()
	})
	b := &bench{chain: c, client: ethclient.NewClient(rc)}
	b.opts = Options{Logger: testLogger(t), Timeout: time.Minute}
	if cfg.BlockInterval == 0 && !cfg.AutoMine {
		b.opts.Seal = func(ctx context.Context) error {
			_, err := c.Mine(ctx, 1)
			return err
		}
	}
	return b
}

// testCtx bounds a test so that a wedged chain fails it instead of the whole run.
func testCtx(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// deploy deploys with dev key 0 and returns the deployment.
func (b *bench) deploy(t testing.TB, ctx context.Context) *Deployment {
	t.Helper()
	d, err := Deploy(ctx, b.client, b.chain.Keys()[0], b.opts)
	if err != nil {
		t.Fatalf("deploying: %v", err)
	}
	return d
}

// play deploys and runs cfg to completion.
func (b *bench) play(t testing.TB, ctx context.Context, cfg Config) (*Deployment, *Workload, Summary) {
	t.Helper()
	d := b.deploy(t, ctx)
	w, err := New(ctx, b.client, d, b.chain.Keys()[0], cfg, b.opts)
	if err != nil {
		t.Fatalf("new workload: %v", err)
	}
	sum, err := w.Run(ctx)
	if err != nil {
		t.Fatalf("running workload: %v", err)
	}
	return d, w, sum
}

// logs returns every log matching q in [from, to], read block by block by hash: a range answer
// of go-ethereum's log index can miss a busy block it has just indexed (see internal/chainlogs).
func (b *bench) logs(t testing.TB, ctx context.Context, q ethereum.FilterQuery, from, to uint64) []types.Log {
	t.Helper()
	q.FromBlock, q.ToBlock = new(big.Int).SetUint64(from), new(big.Int).SetUint64(to)
	out, err := chainlogs.ByBlocks(ctx, b.client, q)
	if err != nil {
		t.Fatalf("reading logs %d-%d: %v", from, to, err)
	}
	return out
}

// call reads a view function and returns its single uint256 or address result as a big.Int.
func (b *bench) call(t testing.TB, ctx context.Context, name string, at common.Address, method string, args ...any) *big.Int {
	t.Helper()
	a, err := contracts.ABI(name)
	if err != nil {
		t.Fatal(err)
	}
	data, err := a.Pack(method, args...)
	if err != nil {
		t.Fatalf("packing %s: %v", method, err)
	}
	out, err := b.client.CallContract(ctx, ethereum.CallMsg{To: &at, Data: data}, nil)
	if err != nil {
		t.Fatalf("calling %s.%s: %v", name, method, err)
	}
	return new(big.Int).SetBytes(out)
}
