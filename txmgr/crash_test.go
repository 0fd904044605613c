package txmgr

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rahataid/rahat/devchain"
)

// The crash child is this test binary started again with crashChildEnv set: TestMain runs
// crashChild instead of the tests.
const (
	crashChildEnv = "TXMGR_CRASH_CHILD"
	childDBEnv    = "TXMGR_CRASH_CHILD_DB"
	childRPCEnv   = "TXMGR_CRASH_CHILD_RPC"
	childKeyEnv   = "TXMGR_CRASH_CHILD_KEY"
)

// crashChild runs a Manager that stops dead right after persisting nonces and signed
// transactions, before broadcasting them: it reports "persisted" on stdout and blocks until the
// parent SIGKILLs it, so nothing (no deferred cleanup, no graceful close) runs after that point.
func crashChild() int {
	ctx := context.Background()
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "crash child:", err); return 2 }
	db, err := pgxpool.New(ctx, os.Getenv(childDBEnv))
	if err != nil {
		return fail(err)
	}
	client, err := ethclient.Dial(os.Getenv(childRPCEnv))
	if err != nil {
		return fail(err)
	}
	keys, err := EnvKeySource(childKeyEnv)
	if err != nil {
		return fail(err)
	}
	m, err := New(Config{
		DB: db, Client: client, ChainID: devchain.ChainID, Keys: keys, Confirmations: 2,
		PollInterval: 50 * time.Millisecond, Registry: prometheus.NewRegistry(),
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		return fail(err)
	}
	m.hooks.afterPersist = func(ids []int64) error {
		fmt.Printf("persisted %v\n", ids)
		<-make(chan struct{}) // wait for SIGKILL
		return nil
	}
	return fail(m.Run(ctx))
}

// A sender process killed with SIGKILL between persisting a batch of nonces and broadcasting
// it: after a restart every transaction is sent with the very bytes persisted, and mined once.
func TestCrashKilledProcess(t *testing.T) {
	t.Parallel()
	b := setup(t, liveChain)
	key := b.keys[1]
	m := newManager(t, b.config(t, key))
	var reqs []Request
	for i := range 5 {
		reqs = append(reqs, transfer(key, int64(100+i), "killed"))
	}
	ids := enqueue(t, m, reqs...)

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"=1", childDBEnv+"="+b.db.Config().ConnString(),
		childRPCEnv+"="+b.chain.HTTPURL(), childKeyEnv+"="+hex.EncodeToString(crypto.FromECDSA(key)))
	cmd.Stderr = b.logs // the child's logs join the leak check
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	persisted := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "persisted") {
				persisted <- sc.Text()
				return
			}
		}
		close(persisted)
	}()
	select {
	case line, ok := <-persisted:
		if !ok {
			_ = cmd.Wait()
			t.Fatalf("child exited before persisting: %v", cmd.ProcessState)
		}
		t.Logf("child: %s", line)
	case <-ctx.Done():
		t.Fatal("child never persisted")
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	_ = cmd.Wait()

	before := make(map[int64]Tx)
	for i, id := range ids {
		tx, err := m.Get(t.Context(), id)
		if err != nil || tx.State != StateSent || tx.Nonce == nil || *tx.Nonce != uint64(i) {
			t.Fatalf("after the kill, transaction %d: %+v, %v", id, tx, err)
		}
		before[id] = tx
	}
	if n, err := b.client.PendingNonceAt(t.Context(), addr(key)); err != nil || n != 0 {
		t.Fatalf("pending nonce %d after the kill (err %v): something was broadcast", n, err)
	}

	start(t, m) // the restart; the killed session's lock went with its connection
	for _, id := range ids {
		tx := wait(t, m, id, StateFinal)
		if *tx.Hash != *before[id].Hash || tx.Attempts != 1 {
			t.Fatalf("transaction %d final as %+v, persisted as %+v", id, tx, before[id])
		}
	}
	if n, err := b.client.NonceAt(t.Context(), addr(key), nil); err != nil || n != uint64(len(ids)) {
		t.Fatalf("chain nonce %d, err %v", n, err)
	}
}
