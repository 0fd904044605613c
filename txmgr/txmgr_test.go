package txmgr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/jackc/pgx/v5"
	"github.com/rahataid/rahat/devchain"
)

// liveChain mines a block as soon as transactions arrive and every 100 ms, so that transactions
// reach the test configuration's depth of 2 quickly.
var liveChain = devchain.Config{AutoMine: true, BlockInterval: 100 * time.Millisecond}

func TestEnqueueToFinal(t *testing.T) {
	t.Parallel()
	b := setup(t, liveChain)
	key := b.keys[1]
	m := newManager(t, b.config(t, key))

	// Listen as the API would, to check the announced states.
	conn, err := b.db.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(t.Context(), "LISTEN "+NotifyChannel); err != nil {
		t.Fatal(err)
	}

	start(t, m)
	req := transfer(key, 12345, "dist-1")
	id := enqueue(t, m, req)[0]
	tx := wait(t, m, id, StateFinal)

	if tx.Nonce == nil || *tx.Nonce != 0 || tx.Hash == nil || tx.BlockNumber == nil || tx.GasUsed == nil ||
		tx.Kind != "test" || tx.Ref != "dist-1" || tx.Attempts != 1 || tx.Error != "" || tx.Signer != addr(key) {
		t.Fatalf("final tx = %+v", tx)
	}
	rcpt, err := b.client.TransactionReceipt(t.Context(), *tx.Hash)
	if err != nil || rcpt.BlockHash != *tx.BlockHash || rcpt.Status != 1 {
		t.Fatalf("receipt %+v, err %v; recorded block %s", rcpt, err, tx.BlockHash)
	}
	bal, err := b.client.BalanceAt(t.Context(), req.To, nil)
	if err != nil || bal.Cmp(req.Value) != 0 {
		t.Fatalf("recipient balance %v, err %v", bal, err)
	}

	var states []State
	for !slices.Contains(states, StateFinal) {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		n, err := conn.Conn().WaitForNotification(ctx)
		cancel()
		if err != nil {
			t.Fatalf("notifications so far %v: %v", states, err)
		}
		var p struct {
			ID    int64  `json:"id"`
			State State  `json:"state"`
			Ref   string `json:"ref"`
		}
		if err := json.Unmarshal([]byte(n.Payload), &p); err != nil || p.ID != id || p.Ref != "dist-1" {
			t.Fatalf("notification %s: %v", n.Payload, err)
		}
		states = append(states, p.State)
	}
	if want := []State{StateQueued, StateSent, StateMined, StateFinal}; !slices.Equal(states, want) {
		t.Fatalf("announced states %v, want %v", states, want)
	}
	// The sender counts the transition just after the commit that announced it.
	eventually(t, "one final transition and one time-to-final observation counted", func() (bool, error) {
		final, observed := counter(t, m.met.transitions.WithLabelValues("final")), counter(t, m.met.toFinal)
		if final > 1 || observed > 1 {
			return false, fmt.Errorf("final transitions %v, time-to-final observations %v", final, observed)
		}
		return final == 1 && observed == 1, nil
	})

	byRef, err := m.ListByRef(t.Context(), "dist-1")
	if err != nil || len(byRef) != 1 || byRef[0].ID != id {
		t.Fatalf("ListByRef = %+v, %v", byRef, err)
	}
}

func TestEnqueueRollsBackWithCaller(t *testing.T) {
	t.Parallel()
	b := setup(t, liveChain)
	key := b.keys[1]
	m := newManager(t, b.config(t, key))
	start(t, m)

	var id int64
	errRollback := errors.New("caller changed its mind")
	err := pgx.BeginFunc(t.Context(), b.db, func(tx pgx.Tx) error {
		var err error
		if id, err = m.Enqueue(t.Context(), tx, transfer(key, 1, "rolled-back")); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("BeginFunc: %v", err)
	}
	if _, err := m.Get(t.Context(), id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a rolled-back enqueue: %v", err)
	}
	// A later transaction goes through with nonce 0: the rolled-back one consumed nothing.
	tx := wait(t, m, enqueue(t, m, transfer(key, 2, "kept"))[0], StateFinal)
	if *tx.Nonce != 0 {
		t.Fatalf("nonce %d, want 0", *tx.Nonce)
	}
}

func TestEnqueueValidates(t *testing.T) {
	t.Parallel()
	b := setup(t, liveChain)
	key := b.keys[1]
	m := newManager(t, b.config(t, key))
	ok := transfer(key, 1, "x")
	tests := []struct {
		name string
		mod  func(*Request)
		want error
	}{
		{"unknown signer", func(r *Request) { r.Signer = addr(b.keys[2]) }, ErrUnknownSigner},
		{"negative value", func(r *Request) { r.Value = big.NewInt(-1) }, ErrInvalidRequest},
		{"no recipient", func(r *Request) { r.To = common.Address{} }, ErrInvalidRequest},
		{"huge gas", func(r *Request) { r.GasLimit = 1 << 30 }, ErrInvalidRequest},
		{"long ref", func(r *Request) { r.Ref = string(make([]byte, 300)) }, ErrInvalidRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := ok
			tc.mod(&req)
			err := pgx.BeginFunc(t.Context(), b.db, func(tx pgx.Tx) error {
				_, err := m.Enqueue(t.Context(), tx, req)
				return err
			})
			if !errors.Is(err, tc.want) {
				t.Fatalf("Enqueue: %v, want %v", err, tc.want)
			}
		})
	}
}

func TestManyInOrder(t *testing.T) {
	t.Parallel()
	b := setup(t, liveChain)
	key := b.keys[1]
	cfg := b.config(t, key)
	cfg.MaxInFlight = 8 // the queue drains in several rounds
	m := newManager(t, cfg)
	start(t, m)

	const n = 40
	var reqs []Request
	for i := range n {
		reqs = append(reqs, transfer(key, int64(i+1), fmt.Sprintf("many-%d", i)))
	}
	// Two enqueue transactions, to mix batching with arrival while sending.
	ids := append(enqueue(t, m, reqs[:n/2]...), enqueue(t, m, reqs[n/2:]...)...)
	for i, id := range ids {
		tx := wait(t, m, id, StateFinal)
		if *tx.Nonce != uint64(i) {
			t.Fatalf("transaction %d (enqueued #%d) has nonce %d", id, i, *tx.Nonce)
		}
	}
	nonce, err := b.client.NonceAt(t.Context(), addr(key), nil)
	if err != nil || nonce != n {
		t.Fatalf("chain nonce %d, err %v; want %d", nonce, err, n)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	b := setup(t, liveChain)
	tests := []struct {
		name string
		mod  func(*Config)
		ok   bool
	}{
		{"defaults", func(*Config) {}, true},
		{"no db", func(c *Config) { c.DB = nil }, false},
		{"no client", func(c *Config) { c.Client = nil }, false},
		{"no chain id", func(c *Config) { c.ChainID = 0 }, false},
		{"no keys", func(c *Config) { c.Keys = nil }, false},
		{"tip above fee cap", func(c *Config) { c.FeeCap, c.TipCap = big.NewInt(1), big.NewInt(2) }, false},
		{"margin below 1", func(c *Config) { c.GasMargin = 0.5 }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := b.config(t, b.keys[1])
			tc.mod(&cfg)
			if _, err := New(cfg); (err == nil) != tc.ok {
				t.Fatalf("New: %v", err)
			}
		})
	}
}

func TestRunRefusesOtherChain(t *testing.T) {
	t.Parallel()
	b := setup(t, liveChain)
	cfg := b.config(t, b.keys[1])
	cfg.ChainID = 1
	err := newManager(t, cfg).Run(t.Context())
	if err == nil || !strings.Contains(err.Error(), "1337") {
		t.Fatalf("Run against chain 1337 configured for 1: %v", err)
	}
}
