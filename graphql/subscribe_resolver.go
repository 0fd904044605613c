package graphql

import (
	"context"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/ethereum/go-ethereum/common"

	"github.com/rahataid/rahat/graphql/exec"
	"github.com/rahataid/rahat/graphql/live"
	"github.com/rahataid/rahat/graphql/model"
)

// Subscription returns the root subscription resolver.
//
// Subscriptions do not run as gqlgen runs them (a goroutine and a channel per subscriber): the
// live transports (subscribe.go) serve them, re-running list fields as the equivalent Query field
// once per group of identical subscriptions, and rendering newBlocks and reorgs once per group
// and event through these resolvers, which then answer the one event in the context. A transport
// without subscriptions (a plain POST) reaches them without an event and gets an error.
func (r *Resolver) Subscription() exec.SubscriptionResolver { return &subscriptionResolver{r} }

type subscriptionResolver struct{ *Resolver }

type liveEventKey struct{}

// withLiveEvent returns ctx carrying the event a newBlocks or reorgs message renders.
func withLiveEvent(ctx context.Context, ev *live.Event) context.Context {
	return context.WithValue(ctx, liveEventKey{}, ev)
}

var errLiveOnly = model.Errorf("subscriptions are served over a websocket (graphql-transport-ws or graphql-ws) or server-sent events (Accept: text/event-stream) on this URL")

// liveOnly answers a subscription field outside the live transports.
func liveOnly[T any](context.Context) (<-chan T, error) { return nil, errLiveOnly }

// one returns a closed channel holding v: gqlgen marshals it as the operation's one result.
func oneShot[T any](v T) <-chan T {
	ch := make(chan T, 1)
	ch <- v
	close(ch)
	return ch
}

// NewBlocks renders the event in ctx as an IndexedBlock.
func (r *subscriptionResolver) NewBlocks(ctx context.Context, _ *int) (<-chan *model.IndexedBlock, error) {
	ev, _ := ctx.Value(liveEventKey{}).(*live.Event)
	if ev == nil {
		return nil, errLiveOnly
	}
	b := &model.IndexedBlock{
		ChainID: int(ev.ChainID), Number: int(ev.Head.Number), Hash: ev.Head.Hash.Bytes(), Timestamp: int(ev.Head.Timestamp),
		FromBlock: int(ev.From), CatchUp: ev.CatchUp, Reorg: reorgModel(ev),
	}
	if !ev.AllTables {
		b.Tables = append([]string{}, ev.Tables...)
	}
	switch {
	case !selectsField(ctx, "parentHash"):
	case ev.Head.ParentHash != (common.Hash{}):
		b.ParentHash = ev.Head.ParentHash.Bytes() // from the indexer's notification
	default: // a catch-up event, or an older indexer: read it where _meta does
		n := int(ev.Head.Number)
		m, err := r.eng.Meta(ctx, r.deployment, &model.BlockHeight{Number: &n})
		if err == nil && m.Block != nil && m.Block.Hash.String() == model.Bytes(ev.Head.Hash.Bytes()).String() {
			b.ParentHash = m.Block.ParentHash
		}
	}
	return oneShot(b), nil
}

// Reorgs renders the reorg of the event in ctx.
func (r *subscriptionResolver) Reorgs(ctx context.Context, _ *int) (<-chan *model.Reorg, error) {
	ev, _ := ctx.Value(liveEventKey{}).(*live.Event)
	if ev == nil || ev.Reorg == nil {
		return nil, errLiveOnly
	}
	return oneShot(reorgModel(ev)), nil
}

func reorgModel(ev *live.Event) *model.Reorg {
	rg := ev.Reorg
	if rg == nil {
		return nil
	}
	return &model.Reorg{
		ID: model.Int8(rg.ID), ChainID: int(ev.ChainID), Ancestor: int(rg.Ancestor), Depth: int(rg.Depth), RemovedBlocks: int(rg.Depth),
		OldHead: int(rg.OldHead), OldHash: rg.OldHash.Bytes(), NewHead: int(rg.NewHead), NewHash: rg.NewHash.Bytes(), Deep: rg.Deep,
	}
}

// selects reports whether the field being resolved selects a sub-field of that name.
func selectsField(ctx context.Context, name string) bool {
	fc := gql.GetFieldContext(ctx)
	if fc == nil {
		return false
	}
	for _, f := range gql.CollectFields(gql.GetOperationContext(ctx), fc.Field.Selections, nil) {
		if f.Name == name {
			return true
		}
	}
	return false
}
