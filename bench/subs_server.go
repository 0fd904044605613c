package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/graphql"
	"github.com/rahataid/rahat/graphql/live"
	"github.com/rahataid/rahat/store"
)

// subsScenario is a subscription the load client holds, and where its messages carry the block.
type subsScenario struct {
	name, query, key string
}

var (
	// subsNewBlocks is the head feed: one message per commit, no re-read.
	subsNewBlocks = subsScenario{name: "newBlocks", key: "number",
		query: `subscription { newBlocks { number hash } }`}
	// subsList is a list query re-run on every block that adds a row, the same for every
	// subscriber (a dashboard's latest claims).
	subsList = subsScenario{name: "claimCreateds", key: "blockNumber",
		query: `subscription { claimCreateds(first: 10, orderBy: blockNumber, orderDirection: desc) { id blockNumber claimer amount } }`}
)

// subsPoolConns is the GraphQL server's pool, as `rahat serve` sizes it by default.
const subsPoolConns = 8

// runGraphQL measures sc against the real GraphQL server: its handler with a live.Hub listening
// to the database, served on a loopback port, as `rahat serve` wires them. The server is built
// before the idle memory baseline is read, so that only what the subscribers cost is counted.
func (r *subsRun) runGraphQL(ctx context.Context, sc subsScenario, round int) ([]subsLevel, subsMem, error) {
	pool, err := store.Open(ctx, r.url, store.PoolConfig{MaxConns: subsPoolConns, ApplicationName: "rahat-bench-graphql"})
	if err != nil {
		return nil, subsMem{}, err
	}
	defer pool.Close()
	log := r.env.Log.With("component", "graphql")
	reg := prometheus.NewRegistry()
	hub, err := live.New(live.Config{Primary: pool, Logger: log, Registry: reg})
	if err != nil {
		return nil, subsMem{}, err
	}
	hctx, stopHub := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- hub.Run(hctx) }()
	defer func() {
		stopHub()
		<-ran
	}()
	if _, err := hub.WaitFor(ctx, func(s live.Status) bool { return s.Listening }); err != nil {
		return nil, subsMem{}, fmt.Errorf("waiting for the hub to listen: %w", err)
	}
	top := r.levels[len(r.levels)-1]
	srv, err := graphql.NewServer(graphql.Config{DB: pool, Logger: log, Registry: reg, ChainID: subsChainID, Live: hub,
		// One client address holds every connection here.
		Subscriptions: graphql.SubscriptionLimits{MaxConnectionsPerIP: top + subsFDSlack}})
	if err != nil {
		return nil, subsMem{}, err
	}
	url, closeSrv, err := serveLoopback(srv)
	if err != nil {
		return nil, subsMem{}, err
	}
	defer closeSrv()
	t := subsTarget{name: "graphql " + sc.name, url: "ws" + url[len("http"):], proto: protoTransportWS, query: sc.query, key: sc.key,
		conns: func() int { return srv.LiveStats().Connections }}
	if dir := subsProfileDir(); dir != "" {
		t.prof = filepath.Join(dir, fmt.Sprintf("%s_round%d", sc.name, round))
	}
	return r.measure(ctx, t, r.levels, nil)
}
