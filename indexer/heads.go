package indexer

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"
)

// heads tells the loop that a new block may be there: from an eth_subscribe newHeads websocket when
// one is configured and up, and by polling otherwise (the caller's wait times out).
type heads struct {
	notify chan struct{} // capacity 1: notifications coalesce
	wsUp   atomic.Bool
	latest atomic.Uint64 // number of the head last announced over the websocket
}

// wait returns when a new head is announced, or after poll (ten times poll while the websocket is
// up, as a safety net against a silently stalled subscription). retry keeps the short interval: the
// caller knows something is pending (the HTTP node lags behind an announced head, or lacks a block),
// and the next announcement may be a block time away.
func (h *heads) wait(ctx context.Context, poll time.Duration, retry bool) error {
	if h.wsUp.Load() && !retry {
		poll *= 10
	}
	t := time.NewTimer(poll)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-h.notify:
		return nil
	case <-t.C:
		return nil
	}
}

func (h *heads) signal() {
	select {
	case h.notify <- struct{}{}:
	default:
	}
}

// watchHeads starts the websocket subscription, if configured; it reconnects with backoff until ctx
// ends, and polling covers the gaps.
func (r *run) watchHeads(ctx context.Context) *heads {
	h := &heads{notify: make(chan struct{}, 1)}
	url := r.cfg.Network.WSURL
	if url == "" {
		return h
	}
	go func() {
		for attempt := 0; ctx.Err() == nil; attempt++ {
			if r.subscribeHeads(ctx, url, h) {
				attempt = 0
			}
			h.wsUp.Store(false)
			h.signal() // poll at once: blocks may have been missed while reconnecting
			if sleep(ctx, backoff(r.cfg.RetryBase, r.cfg.RetryMax, attempt)) != nil {
				return
			}
		}
	}()
	return h
}

// subscribeHeads follows newHeads until the subscription fails; it reports whether it got as far
// as receiving a head.
func (r *run) subscribeHeads(ctx context.Context, url string, h *heads) bool {
	dctx, cancel := context.WithTimeout(ctx, r.cfg.Network.RequestTimeout.D())
	client, err := rpc.DialOptions(dctx, url)
	cancel()
	if err != nil {
		r.log.Debug("newHeads websocket unavailable; polling", "err", err)
		return false
	}
	defer client.Close()
	ch := make(chan struct {
		Number hexutil.Uint64 `json:"number"`
	}, 16)
	sctx, cancel := context.WithTimeout(ctx, r.cfg.Network.RequestTimeout.D())
	sub, err := client.EthSubscribe(sctx, ch, "newHeads")
	cancel()
	if err != nil {
		r.log.Debug("newHeads subscription failed; polling", "err", err)
		return false
	}
	defer sub.Unsubscribe()
	h.wsUp.Store(true)
	got := false
	for {
		select {
		case <-ctx.Done():
			return got
		case err := <-sub.Err():
			r.log.Warn("newHeads subscription dropped; polling until it is back", "err", err)
			return got
		case hd := <-ch:
			// Only a signal: the head is read over HTTP, the node the blocks are fetched from.
			got = true
			h.latest.Store(uint64(hd.Number))
			h.signal()
		}
	}
}
