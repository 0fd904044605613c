package devchain

import (
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/rahataid/rahat/internal/evmtest"
)

func TestTransactionOverHTTP(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	c := startChain(t, Config{})
	if !strings.HasPrefix(c.HTTPURL(), "http://127.0.0.1:") || !strings.HasPrefix(c.WSURL(), "ws://127.0.0.1:") {
		t.Fatalf("unexpected endpoints %s %s", c.HTTPURL(), c.WSURL())
	}
	rc, ec := dial(t, c.HTTPURL())
	ping := deployPing(t, ctx, c, rc, ec)

	sender := c.Keys()[1]
	tx := send(t, ctx, ec, sender, &ping, evmtest.PingCall(3), 100_000)
	if _, err := answeredReceipt(ctx, ec, tx.Hash()); !isNotFound(err) {
		t.Fatalf("receipt before mining: %v, want not found (on-demand mode)", err)
	}
	hash := devMine(t, ctx, rc, 1)[0]
	r := receipt(t, ctx, ec, tx)
	if r.BlockHash != hash || len(r.Logs) != 3 {
		t.Fatalf("receipt in block %s with %d logs, want block %s with 3 logs", r.BlockHash, len(r.Logs), hash)
	}
	header, err := ec.HeaderByHash(ctx, hash)
	if err != nil {
		t.Fatal(err)
	}

	logs, err := ec.FilterLogs(ctx, ethereum.FilterQuery{Addresses: []common.Address{ping}, Topics: [][]common.Hash{{evmtest.PingTopic}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 3 {
		t.Fatalf("eth_getLogs returned %d logs, want 3", len(logs))
	}
	for i, l := range logs {
		if l.TxHash != tx.Hash() || l.BlockHash != hash || l.Index != uint(i) ||
			l.Topics[1] != common.BytesToHash(crypto.PubkeyToAddress(sender.PublicKey).Bytes()) ||
			new(big.Int).SetBytes(l.Data).Int64() != int64(i) {
			t.Errorf("log %d = %+v", i, l)
		}
		if l.BlockTimestamp != header.Time {
			t.Errorf("log %d blockTimestamp %d, want %d", i, l.BlockTimestamp, header.Time)
		}
	}

	// Raw JSON, as a non-Go indexer sees it: blockTimestamp is a hex quantity.
	var raw []map[string]any
	if err := rc.CallContext(ctx, &raw, "eth_getLogs", map[string]any{"fromBlock": "0x0", "toBlock": "latest", "address": ping}); err != nil {
		t.Fatal(err)
	}
	if len(raw) != 3 || raw[0]["blockTimestamp"] != hexutil.EncodeUint64(header.Time) {
		t.Fatalf("raw logs %v: want 3 logs with blockTimestamp %s", raw, hexutil.EncodeUint64(header.Time))
	}

	// A batch request mixing namespaces.
	var chainID, blockNumber hexutil.Uint64
	var netVersion, clientVersion string
	var latest map[string]any
	batch := []rpc.BatchElem{
		{Method: "eth_chainId", Result: &chainID},
		{Method: "net_version", Result: &netVersion},
		{Method: "web3_clientVersion", Result: &clientVersion},
		{Method: "eth_blockNumber", Result: &blockNumber},
		{Method: "eth_getBlockByNumber", Args: []any{"latest", false}, Result: &latest},
	}
	if err := rc.BatchCallContext(ctx, batch); err != nil {
		t.Fatal(err)
	}
	for _, el := range batch {
		if el.Error != nil {
			t.Fatalf("%s: %v", el.Method, el.Error)
		}
	}
	if chainID != ChainID || netVersion != "1337" || blockNumber != 2 || latest["hash"] != hash.Hex() || clientVersion == "" {
		t.Fatalf("batch: chainId %d net_version %q blockNumber %d latest %v", chainID, netVersion, blockNumber, latest["hash"])
	}
}

func TestAutoMine(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	c := startChain(t, Config{AutoMine: true})
	_, ec := dial(t, c.HTTPURL())

	to := c.Accounts()[2]
	var txs []*types.Transaction
	for range 5 {
		txs = append(txs, send(t, ctx, ec, c.Keys()[1], &to, nil, 21_000))
	}
	for _, tx := range txs {
		waitFor(t, 10*time.Second, "auto-mined receipt", func() bool {
			_, err := ec.TransactionReceipt(ctx, tx.Hash())
			return err == nil
		})
	}
}

func TestNewHeadsOverWS(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	c := startChain(t, Config{})
	_, ws := dial(t, c.WSURL())
	rc, _ := dial(t, c.HTTPURL())

	heads := make(chan *types.Header, 16)
	sub, err := ws.SubscribeNewHead(ctx, heads)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	mined := devMine(t, ctx, rc, 3)
	genesis, err := c.Client().HeaderByNumber(ctx, big.NewInt(0))
	if err != nil {
		t.Fatal(err)
	}
	parent := genesis.Hash()
	for i, want := range mined {
		select {
		case h := <-heads:
			if h.Hash() != want || h.Number.Uint64() != uint64(i+1) || h.ParentHash != parent {
				t.Fatalf("head %d: got #%d %s (parent %s), want %s", i, h.Number, h.Hash(), h.ParentHash, want)
			}
			parent = h.Hash()
		case err := <-sub.Err():
			t.Fatalf("subscription: %v", err)
		case <-ctx.Done():
			t.Fatal("no head received")
		}
	}
}

func TestDevKeysStable(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	// Fixed forever: deployments on the dev chain (and docs) rely on these addresses.
	want := []common.Address{
		common.HexToAddress(devKey0Address),
		common.HexToAddress(devKey1Address),
	}
	keys := DevKeys(2)
	for i, key := range keys {
		if got := crypto.PubkeyToAddress(key.PublicKey); got != want[i] {
			t.Errorf("dev key %d address %s, want %s", i, got, want[i])
		}
	}
	c := startChain(t, Config{Accounts: 3})
	rc, ec := dial(t, c.HTTPURL())
	var accounts []common.Address
	if err := rc.CallContext(ctx, &accounts, "dev_accounts"); err != nil {
		t.Fatal(err)
	}
	if len(accounts) != 3 || accounts[0] != want[0] || accounts[1] != want[1] {
		t.Fatalf("dev_accounts = %v", accounts)
	}
	for _, a := range accounts {
		bal, err := ec.BalanceAt(ctx, a, nil)
		if err != nil {
			t.Fatal(err)
		}
		if bal.Cmp(DefaultBalance()) != 0 {
			t.Errorf("balance of %s = %s, want %s", a, bal, DefaultBalance())
		}
	}
}

// Addresses of DevKeys(2); see TestDevKeysStable.
const (
	devKey0Address = "0x65129dd7ef79E62a44ed332EA8D18392589379b0"
	devKey1Address = "0x6839C6F48a3A9ce9baD327bc82c3C84345dD3CcC"
)

func TestFinalizedAndSafe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		cfg             Config
		mine            uint64
		wantFin, wntSaf uint64
	}{
		{name: "defaults", cfg: Config{}, mine: 100, wantFin: 36, wntSaf: 68},
		{name: "young chain", cfg: Config{}, mine: 10, wantFin: 0, wntSaf: 0},
		{name: "custom depths", cfg: Config{FinalityDepth: 4, SafeDepth: 2}, mine: 10, wantFin: 6, wntSaf: 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := testCtx(t)
			c := startChain(t, tt.cfg)
			rc, ec := dial(t, c.HTTPURL())
			devMine(t, ctx, rc, int(tt.mine))
			fin := tagHeader(t, ctx, ec, rpc.FinalizedBlockNumber)
			safe := tagHeader(t, ctx, ec, rpc.SafeBlockNumber)
			if fin.Number.Uint64() != tt.wantFin || safe.Number.Uint64() != tt.wntSaf {
				t.Fatalf("finalized %d safe %d, want %d and %d", fin.Number, safe.Number, tt.wantFin, tt.wntSaf)
			}
			if fin.Hash() != headerAt(t, ctx, ec, tt.wantFin).Hash() {
				t.Fatal("finalized block is not canonical")
			}
			var head Head
			if err := rc.CallContext(ctx, &head, "dev_head"); err != nil {
				t.Fatal(err)
			}
			if head.Latest.Number != tt.mine || head.Finalized.Hash != fin.Hash() || head.Safe.Hash != safe.Hash() {
				t.Fatalf("dev_head = %+v", head)
			}
		})
	}
}

func TestBlockInterval(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	c := startChain(t, Config{BlockInterval: 20 * time.Millisecond})
	rc, ec := dial(t, c.HTTPURL())
	atLeast := func(n uint64) func() bool {
		return func() bool {
			got, err := ec.BlockNumber(ctx)
			return err == nil && got >= n
		}
	}
	waitFor(t, 10*time.Second, "timer blocks", atLeast(3))

	// A transaction is picked up by the timer without anyone mining.
	to := c.Accounts()[3]
	tx := send(t, ctx, ec, c.Keys()[2], &to, nil, 21_000)
	waitFor(t, 10*time.Second, "receipt from a timer block", func() bool {
		_, err := ec.TransactionReceipt(ctx, tx.Hash())
		return err == nil
	})

	// Stop the timer over the wire, then start it again.
	if err := rc.CallContext(ctx, nil, "dev_setBlockInterval", 0); err != nil {
		t.Fatal(err)
	}
	var ms int64
	if err := rc.CallContext(ctx, &ms, "dev_blockInterval"); err != nil || ms != 0 {
		t.Fatalf("dev_blockInterval = %d, %v; want 0", ms, err)
	}
	stopped, err := ec.BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.CallContext(ctx, nil, "dev_setBlockInterval", 10); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "blocks after restarting the timer", atLeast(stopped+3))
}

func TestIncreaseTime(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	c := startChain(t, Config{})
	rc, ec := dial(t, c.HTTPURL())
	devMine(t, ctx, rc, 1)
	before := headerAt(t, ctx, ec, 1).Time
	var total int64
	if err := rc.CallContext(ctx, &total, "dev_increaseTime", 3600); err != nil || total != 3600 {
		t.Fatalf("dev_increaseTime = %d, %v", total, err)
	}
	devMine(t, ctx, rc, 1)
	if after := headerAt(t, ctx, ec, 2).Time; after < before+3600 {
		t.Fatalf("timestamp %d after a one-hour jump from %d", after, before)
	}
}

func TestRestartFromDataDir(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	dir := t.TempDir()
	// Without the log index: loading its head snapshot from disk takes about a second normally
	// but over a minute under -race, where pebble records a stack trace per table reference.
	cfg := Config{DataDir: dir, NoLogIndex: true, Logger: testLogger(t)}
	first, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	hashes, err := first.Mine(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second := startChain(t, cfg)
	if head := second.Head(); head.Latest.Number != 5 || head.Latest.Hash != hashes[4] {
		t.Fatalf("restarted head %+v, want #5 %s", head.Latest, hashes[4])
	}
	if _, err := second.Mine(ctx, 1); err != nil {
		t.Fatal(err)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"bad addr", Config{HTTPAddr: "nope"}, "HTTPAddr"},
		{"no host", Config{HTTPAddr: ":0"}, "host is required"},
		{"bad port", Config{HTTPAddr: "127.0.0.1:x"}, "invalid port"},
		{"negative interval", Config{BlockInterval: -time.Second}, "BlockInterval"},
		{"tiny gas limit", Config{GasLimit: 10}, "GasLimit"},
		{"safe beyond final", Config{FinalityDepth: 4, SafeDepth: 5}, "SafeDepth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.withDefaults().Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want error mentioning %q", err, tt.want)
			}
		})
	}
	if err := (Config{}).withDefaults().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
}
