package graphql

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/gorilla/websocket"

	"github.com/rahataid/rahat/graphql/live"
	"github.com/rahataid/rahat/graphql/model"
)

// group is the subscribers of one subscription: the same canonical document and variables (and
// mode). It reads once per block that touches it and hands the same bytes to every member.
type group struct {
	s    *subscriptions
	key  string
	plan *livePlan
	exec gql.GraphExecutor

	mu      sync.Mutex
	members []*subscription // in no order; subscription.idx is the position
	joining int             // joins in progress (guarded by s.mu): the group is kept meanwhile

	// The state of a list group, guarded by readMu, which also serialises its reads so that a
	// joiner's first result and the dispatcher's updates reach every member in order.
	readMu sync.Mutex
	chain  uint64 // 0 until known
	known  bool   // at holds a head
	at     uint64 // the block the state is at
	seq    uint64 // the last event reflected
	cache  []byte // the whole result at at ({"data": ...}); nil when it must be read again
	dirty  bool   // a read failed: read again on the next head whatever it touches
}

// errGroupRead is a re-read that answered with errors; they are logged, and the group tries
// again on the next block.
var errGroupRead = errors.New("re-read answered with errors")

// add makes sub a member.
func (g *group) add(sub *subscription) {
	g.mu.Lock()
	defer g.mu.Unlock()
	sub.idx = len(g.members)
	g.members = append(g.members, sub)
}

// remove drops a member (in constant time: 10,000 subscribers leaving one group must not cost
// 10,000 copies of it) and reports whether the group is empty.
func (g *group) remove(sub *subscription) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if i := sub.idx; i >= 0 && i < len(g.members) && g.members[i] == sub {
		last := len(g.members) - 1
		g.members[i] = g.members[last]
		g.members[i].idx = i
		g.members[last] = nil
		g.members = g.members[:last]
		sub.idx = -1
	}
	return len(g.members) == 0
}

// size is the number of members.
func (g *group) size() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.members)
}

// push queues one message for every member. Queuing never blocks (a full outbox drops its
// client), so holding the lock meanwhile only delays joins and leaves by as long. Members whose
// operation has the same id and protocol (clients number their operations alike: "1") share one
// prepared websocket frame, built once and written as is.
func (g *group) push(payload []byte, at time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var shared map[frameKey]*websocket.PreparedMessage
	for _, sub := range g.members {
		m := outMsg{kind: msgNext, sub: sub, data: payload, at: at}
		if c := sub.conn; c.ws != nil {
			k := frameKey{c.proto, sub.id}
			pm, seen := shared[k]
			switch {
			case pm != nil:
				m.frame = pm
			case seen: // the second member with this id: worth a shared frame
				pm = preparedNext(c.proto, sub.qid, payload)
				shared[k], m.frame = pm, pm
			default:
				if shared == nil {
					shared = map[frameKey]*websocket.PreparedMessage{}
				}
				shared[k] = nil
			}
		}
		sub.conn.send(m)
	}
}

type frameKey struct {
	proto protocol
	id    string
}

// run executes a document through the same executor as HTTP queries (extensions, limits, the
// fast path and the error presenter included).
func (g *group) run(ctx context.Context, doc string, vars map[string]any) (*gql.Response, error) {
	ctx, cancel := context.WithTimeout(gql.StartOperationTrace(ctx), g.s.timeout)
	defer cancel()
	oc, errs := g.exec.CreateOperationContext(ctx, &gql.RawParams{Query: doc, Variables: vars})
	if errs != nil {
		return nil, fmt.Errorf("the live query does not validate: %w", errs)
	}
	h, ctx := g.exec.DispatchOperation(ctx, oc)
	resp := h(ctx)
	if resp == nil {
		return nil, errors.New("no response")
	}
	return resp, nil
}

// readFull reads the whole result at block at.
func (g *group) readFull(ctx context.Context, at uint64) ([]byte, *gql.Response, error) {
	vars := maps.Clone(g.plan.vars)
	if vars == nil {
		vars = map[string]any{}
	}
	vars[varBlock] = int64(at)
	start := time.Now()
	resp, err := g.run(ctx, g.plan.query, vars)
	g.s.m.reads.Observe(time.Since(start).Seconds())
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	writeResponse(&buf, resp)
	return buf.Bytes(), resp, nil
}

// readRows reads the rows the blocks from..to added or changed, in pages, each page a message.
func (g *group) readRows(ctx context.Context, from, to uint64) ([][]byte, error) {
	vars := maps.Clone(g.plan.vars)
	if vars == nil {
		vars = map[string]any{}
	}
	vars[varBlock], vars[varFrom], vars[varPage] = int64(to), int64(from), g.plan.page
	key, _ := json.Marshal(g.plan.alias)
	var pages [][]byte
	start := time.Now()
	defer func() { g.s.m.reads.Observe(time.Since(start).Seconds()) }()
	for {
		resp, err := g.run(ctx, g.plan.rows, vars)
		if err != nil {
			return nil, err
		}
		if len(resp.Errors) > 0 {
			return nil, fmt.Errorf("%w: %v", errGroupRead, resp.Errors)
		}
		var out map[string]struct {
			Nodes    []json.RawMessage `json:"nodes"`
			PageInfo struct {
				HasNextPage bool    `json:"hasNextPage"`
				EndCursor   *string `json:"endCursor"`
			} `json:"pageInfo"`
		}
		if err := json.Unmarshal(resp.Data, &out); err != nil {
			return nil, fmt.Errorf("decoding rows: %w", err)
		}
		page := out[g.plan.alias]
		if len(page.Nodes) > 0 {
			var b bytes.Buffer
			b.WriteString(`{"data":{`)
			b.Write(key)
			b.WriteString(`:[`)
			b.Write(bytes.Join(rawBytes(page.Nodes), []byte{','}))
			b.WriteString(`]}}`)
			pages = append(pages, b.Bytes())
		}
		if !page.PageInfo.HasNextPage || page.PageInfo.EndCursor == nil {
			return pages, nil
		}
		vars[varAfter] = *page.PageInfo.EndCursor
	}
}

func rawBytes(rs []json.RawMessage) [][]byte {
	out := make([][]byte, len(rs))
	for i, r := range rs {
		out[i] = r
	}
	return out
}

// join gives a new member the current result and adds it; the error, if any, is for the
// subscriber (its operation fails).
func (g *group) join(ctx context.Context, sub *subscription) []byte {
	g.readMu.Lock()
	defer g.readMu.Unlock()
	if g.known && g.cache == nil {
		payload, resp, err := g.readFull(ctx, g.at)
		if err != nil {
			g.s.log.Error("graphql: subscription's first read failed", "err", err)
			return errInternalJSON
		}
		if len(resp.Errors) > 0 {
			b, _ := json.Marshal(resp.Errors)
			return b
		}
		g.cache = payload
	}
	g.add(sub)
	if g.known {
		sub.conn.send(outMsg{kind: msgNext, sub: sub, data: g.cache})
	}
	return nil
}

var errInternalJSON = []byte(`[{"message":"internal error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]`)

// touchedBy reports whether an announcing event may change the group's result, and whether it
// was ruled out only by the group's filter (no new row of its table matches it: cs, the event's
// scan, may be nil).
func (g *group) touchedBy(ev *seqEvent, cs *commitScan) (touched, filtered bool) {
	switch {
	case g.plan.timed:
		return true, false
	case g.plan.narrow:
		if !ev.Touches(g.plan.entity.Table) {
			return false, false
		}
		if cs.excludes(g, ev) {
			return false, true
		}
		return true, false
	}
	return !ev.Empty(), false
}

// advance brings a list group up to the events it has not seen: the whole result again if it
// changed (RESULT), or the rows of the blocks since (ROWS; after a reorg, since its ancestor).
// cs is the scan of the new rows of the last event (nil: none), which rules out filtered groups
// no new row matches.
func (g *group) advance(ctx context.Context, evs []seqEvent, cs *commitScan) {
	g.readMu.Lock()
	defer g.readMu.Unlock()
	if g.chain == 0 {
		c, err := g.s.res.eng.Chain(ctx)
		if err != nil {
			return
		}
		g.chain = uint64(c)
	}
	var touched, announced, based, filtered bool
	var head, base live.Head
	var received, baseReceived time.Time
	low, last := ^uint64(0), uint64(0)
	for i := range evs {
		ev := &evs[i]
		if ev.seq <= g.seq || ev.ChainID != g.chain {
			continue
		}
		last = ev.seq
		if ev.Baseline {
			base, based, baseReceived = ev.Head, true, ev.Received
			continue
		}
		if ev.Reorg != nil {
			low, touched = min(low, ev.Reorg.Ancestor), true
		}
		if ev.Announces() {
			head, announced, received = ev.Head, true, ev.Received
			t, f := g.touchedBy(ev, cs)
			touched, filtered = touched || t, filtered || f
		}
	}
	if last == 0 {
		return
	}
	g.seq = last
	if g.plan.kind == kindRows && g.known && low < g.at {
		g.at, g.cache = low, nil
	}
	switch {
	case !g.known && announced:
		g.first(ctx, head.Number, received)
		return
	case !g.known && based:
		// The group was made before the dispatcher had the chain's baseline: its members are
		// waiting for their first result, which is the one at the baseline.
		g.first(ctx, base.Number, baseReceived)
		return
	case !announced:
		g.dirty = g.dirty || touched
		return
	case !touched && !g.dirty:
		if filtered {
			g.s.m.skips.Inc()
		}
		g.at = head.Number
		return
	}
	if g.plan.kind == kindRows {
		pages, err := g.readRows(ctx, g.at+1, head.Number)
		if err != nil {
			g.failed(err)
			return
		}
		g.dirty, g.at, g.cache = false, head.Number, nil
		for _, p := range pages {
			g.push(p, received)
		}
		return
	}
	payload, resp, err := g.readFull(ctx, head.Number)
	if err == nil && len(resp.Errors) > 0 {
		err = fmt.Errorf("%w: %v", errGroupRead, resp.Errors)
	}
	if err != nil {
		g.failed(err)
		return
	}
	g.dirty, g.at = false, head.Number
	if !bytes.Equal(payload, g.cache) {
		g.cache = payload
		g.push(payload, received)
	}
}

// first reads the result of a group that waited for the first indexed head.
func (g *group) first(ctx context.Context, at uint64, received time.Time) {
	payload, resp, err := g.readFull(ctx, at)
	if err != nil {
		g.failed(err)
		return
	}
	if len(resp.Errors) > 0 {
		// The operation itself is wrong (its arguments, say): every member's operation fails.
		b, _ := json.Marshal(resp.Errors)
		g.mu.Lock()
		members := slices.Clone(g.members)
		g.mu.Unlock()
		for _, sub := range members {
			sub.conn.removeSub(sub.id)
			sub.conn.send(outMsg{kind: msgError, sub: sub, data: b})
			g.s.leave(sub)
		}
		return
	}
	g.known, g.at, g.cache, g.dirty = true, at, payload, false
	g.push(payload, received)
}

func (g *group) failed(err error) {
	g.dirty = true
	g.s.m.readErrors.Inc()
	if !errors.Is(err, context.Canceled) {
		g.s.log.Warn("graphql: a live query's re-read failed; retrying on the next block", "err", err, "block", g.at)
	}
}

// pushEvent renders a newBlocks or reorgs message for an event and sends it to the members.
func (g *group) pushEvent(ctx context.Context, ev *seqEvent) {
	switch {
	case g.plan.chain != nil && *g.plan.chain != ev.ChainID:
		return
	case g.plan.kind == kindReorgs && ev.Reorg == nil, g.plan.kind == kindBlocks && !ev.Announces():
		return
	}
	if g.size() == 0 {
		return
	}
	resp, err := g.run(withLiveEvent(ctx, &ev.Event), g.plan.query, g.plan.vars)
	if err != nil {
		g.s.log.Error("graphql: rendering a live event", "err", err)
		return
	}
	var buf bytes.Buffer
	writeResponse(&buf, resp)
	g.push(buf.Bytes(), ev.Received)
}

// leave removes a subscription from its group, and the group when it was the last.
func (s *subscriptions) leave(sub *subscription) {
	g := sub.group
	if g == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subCount--
	s.m.subscriptions.WithLabelValues(sub.kind.String()).Dec()
	s.changedLocked()
	if g.remove(sub) && g.joining == 0 && s.groups[g.key] == g {
		delete(s.groups, g.key)
		delete(s.eventSubs, g)
		s.m.groups.Set(float64(len(s.groups)))
	}
}

// subscribe starts a validated subscription operation: it finds or makes the group, gives the
// subscriber the current result, and returns the errors to send instead when it cannot.
func (s *subscriptions) subscribe(ctx context.Context, exec gql.GraphExecutor, oc *gql.OperationContext, vars map[string]any, sub *subscription) []byte {
	p, err := newLivePlan(oc, s.res.cat, s.byField, vars, s.res.eng.Limits().DefaultFirst)
	if err != nil {
		return errorsJSON(err)
	}
	var chain uint64 // 0 while nothing is indexed: the group learns it from the first block
	if p.kind == kindResult || p.kind == kindRows {
		if c, err := s.res.eng.Chain(ctx); err == nil {
			chain = uint64(c)
		}
	}
	s.mu.Lock()
	g := s.groups[p.key]
	if g == nil {
		g = &group{s: s, key: p.key, plan: p, exec: exec, seq: s.seq, chain: chain}
		if p.kind == kindResult || p.kind == kindRows {
			if h, ok := s.heads[chain]; ok && chain != 0 {
				g.known, g.at = true, h.Number
			}
		} else {
			s.eventSubs[g] = struct{}{}
		}
		s.groups[p.key] = g
		s.m.groups.Set(float64(len(s.groups)))
	}
	g.joining++
	s.mu.Unlock()

	sub.group, sub.kind = g, p.kind
	var failed []byte
	if p.kind == kindBlocks || p.kind == kindReorgs {
		g.add(sub)
	} else {
		failed = g.join(ctx, sub)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	g.joining--
	if failed != nil {
		sub.group = nil
		if g.size() == 0 && g.joining == 0 && s.groups[g.key] == g {
			delete(s.groups, g.key)
			s.m.groups.Set(float64(len(s.groups)))
		}
		return failed
	}
	s.subCount++
	s.m.subscriptions.WithLabelValues(p.kind.String()).Inc()
	s.changedLocked()
	return nil
}

// errorsJSON is the errors array of one error: a client's mistake is described, anything else
// is an internal error.
func errorsJSON(err error) []byte {
	msg, code := "internal error", "INTERNAL_SERVER_ERROR"
	var me *model.Error
	if errors.As(err, &me) {
		msg, code = me.Msg, "BAD_USER_INPUT"
	}
	return errorJSON(msg, code)
}

// errorJSON is an errors array of one error with a code.
func errorJSON(msg, code string) []byte {
	b, _ := json.Marshal([]map[string]any{{"message": msg, "extensions": map[string]any{"code": code}}})
	return b
}
