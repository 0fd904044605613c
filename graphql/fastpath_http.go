package graphql

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/rahataid/rahat/internal/segment"
)

// direct is the fast path's entry point in the HTTP handler: a POSTed JSON request whose document
// asks only for root fields the fast path handles is answered here, without gqlgen's operation
// context, executor, extensions and per-field contexts (about half of the handler's CPU on a
// lookup by id).
//
// A document is looked at once: parsed and validated as gqlgen does (the result also fills
// gqlgen's own query cache) and planned (fieldPlan per root field). Documents with directives,
// other operations than queries, or any field the fast path does not handle get a plan that says
// so. Plans are kept in an LRU by query text and operation name. A request then costs the
// decoding of its body, the coercion of its variables (gqlparser's, as gqlgen), the depth and
// cost limits (the same walk as the limits extension), the engine's queries and the JSON.
//
// Whenever the fast path cannot answer (no plan, bad variables, limits exceeded, an error or a
// value it cannot write, a panic), the request goes on to gqlgen with its body intact, and gqlgen
// answers it, errors included, exactly as without the fast path: the direct path only ever writes
// successful answers, byte for byte gqlgen's (the tests compare both ways).
type direct struct {
	fp       *fastPath
	schema   *ast.Schema
	plans    *lru.LRU[*docPlan]
	docs     gql.Cache[*ast.QueryDocument] // gqlgen's query cache, shared
	maxDepth int
	maxCost  int
	ok       prometheus.Observer // the duration of successful requests
	served   prometheus.Counter  // requests answered here
	log      *slog.Logger
	bufs     sync.Pool // *reqBufs
	// The Content-Type header values, allocated once (net/http does not modify them).
	ctJSON, ctGraphQL []string
}

// docPlan is what the direct path does with one document (and operation name).
type docPlan struct {
	ok     bool // false: gqlgen answers
	doc    *ast.QueryDocument
	op     *ast.OperationDefinition
	fields []rootPlan
}

// rootPlan is one root field of a plan: its key in data, and its plan (or __typename's value).
type rootPlan struct {
	key   []byte
	field *ast.Field
	fixed []byte
	p     *fieldPlan
}

// reqBufs are one request's buffers: the body read, and the answer written.
type reqBufs struct{ body, out []byte }

// maxPooledBuf is the largest buffer kept for reuse; a rare huge answer is left to the GC.
const maxPooledBuf = 256 << 10

func newDirect(fp *fastPath, schema *ast.Schema, docs gql.Cache[*ast.QueryDocument], cfg Config, ok prometheus.Observer) (*direct, error) {
	served := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "rahat_graphql_fast_path_requests_total",
		Help: "GraphQL requests answered by the fast path in the HTTP handler, without gqlgen's executor (a subset of rahat_graphql_request_duration_seconds_count{outcome=\"ok\"}).",
	})
	if err := cfg.Registry.Register(served); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return nil, fmt.Errorf("registering graphql metrics: %w", err)
		}
		served = are.ExistingCollector.(prometheus.Counter) // another handler on the same registry
	}
	return &direct{
		fp: fp, schema: schema, docs: docs, plans: lru.New[*docPlan](cfg.CacheSize),
		maxDepth: cfg.MaxDepth, maxCost: cfg.MaxComplexity, ok: ok, served: served, log: cfg.Logger,
		bufs:   sync.Pool{New: func() any { return &reqBufs{body: make([]byte, 0, 1024), out: make([]byte, 0, 4096)} }},
		ctJSON: []string{contentJSON}, ctGraphQL: []string{contentGraphQLReply},
	}, nil
}

// serve answers r if the fast path can; false leaves it (with its body) to gqlgen.
func (d *direct) serve(ctx context.Context, w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost || r.Header.Get("Upgrade") != "" || !isJSONContent(r.Header.Get("Content-Type")) {
		return false
	}
	start := time.Now()
	bufs := d.bufs.Get().(*reqBufs)
	defer d.release(bufs)
	body, err := readBody(r.Body, bufs.body[:0], r.ContentLength)
	bufs.body = body
	if err != nil {
		// gqlgen reads the same bytes and then the same error, and answers it.
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(bytes.Clone(body)), r.Body))
		return false
	}
	out, ok := d.answer(ctx, body, bufs.out[:0])
	bufs.out = out[:0]
	if !ok {
		r.Body = io.NopCloser(bytes.NewReader(bytes.Clone(body)))
		return false
	}
	h := w.Header()
	if strings.Contains(r.Header.Get("Accept"), contentGraphQLReply) {
		h["Content-Type"] = d.ctGraphQL
	} else {
		h["Content-Type"] = d.ctJSON
	}
	h["Content-Length"] = []string{strconv.Itoa(len(out))}
	// Counted before the answer leaves: a client that has read it sees it counted.
	d.ok.Observe(time.Since(start).Seconds())
	d.served.Inc()
	writeWhole(ctx, w, out)
	return true
}

// writeWhole writes an answer, in one write to the socket where the server's connections allow it
// (internal/segment): net/http sends an answer over its 4 KB buffer in two.
func writeWhole(ctx context.Context, w http.ResponseWriter, out []byte) {
	sc := segment.FromContext(ctx)
	f, ok := w.(http.Flusher)
	if sc == nil || !ok {
		w.Write(out) //nolint:errcheck // the client went away
		return
	}
	sc.Hold()
	defer sc.Release() //nolint:errcheck // the client went away; net/http sees it at its next read
	w.Write(out)       //nolint:errcheck // as above
	f.Flush()
}

// answer appends the answer to the request in body to out; false when gqlgen must answer.
func (d *direct) answer(ctx context.Context, body, out []byte) (_ []byte, ok bool) {
	defer func() {
		if v := recover(); v != nil {
			// A bug in the fast path must not cost the client its answer: gqlgen answers.
			d.log.ErrorContext(ctx, "graphql fast path panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			ok = false
		}
	}()
	var params gql.RawParams
	if !decodeParams(body, &params) {
		params = gql.RawParams{}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&params); err != nil {
			return out, false
		}
	}
	if len(params.Extensions) > 0 {
		return out, false // persisted queries and the like are gqlgen's
	}
	p := d.plan(ctx, params.Query, params.OperationName)
	if !p.ok {
		return out, false
	}
	vars, err := coerceVariables(d.schema, p.op, params.Variables)
	if err != nil {
		return out, false
	}
	if d.maxDepth > 0 || d.maxCost > 0 {
		depth, cost := walker{doc: p.doc, vars: vars}.selection(p.op.SelectionSet, 1, false)
		if (d.maxDepth > 0 && depth > d.maxDepth) || (d.maxCost > 0 && cost > d.maxCost) {
			return out, false
		}
	}
	out = append(out, `{"data":{`...)
	for i := range p.fields {
		f := &p.fields[i]
		out = append(out, f.key...)
		if f.fixed != nil {
			out = append(out, f.fixed...)
			continue
		}
		if out, ok = d.fp.render(ctx, f.p, f.field.ArgumentMap(vars), out); !ok {
			return out, false
		}
	}
	return append(out, "}}"...), true
}

func (d *direct) release(b *reqBufs) {
	if cap(b.body) > maxPooledBuf || cap(b.out) > maxPooledBuf {
		return
	}
	d.bufs.Put(b)
}

// plan returns the plan of a document and operation, making it on first sight.
func (d *direct) plan(ctx context.Context, query, opName string) *docPlan {
	key := query
	if opName != "" {
		// Unambiguous for any pair of strings.
		key = strconv.Itoa(len(opName)) + ":" + opName + query
	}
	if p, ok := d.plans.Get(ctx, key); ok {
		return p
	}
	p := d.makePlan(ctx, query, opName)
	d.plans.Add(ctx, key, p)
	return p
}

func (d *direct) makePlan(ctx context.Context, query, opName string) *docPlan {
	no := &docPlan{}
	doc, ok := d.docs.Get(ctx, query)
	if !ok {
		var err error
		doc, err = parser.ParseQuery(&ast.Source{Input: query})
		if err != nil || len(doc.Operations) == 0 {
			return no
		}
		if errs := validator.ValidateWithRules(d.schema, doc, rules.NewDefaultRules()); len(errs) > 0 {
			return no
		}
		d.docs.Add(ctx, query, doc) // spares gqlgen the work if the document goes its way
	}
	op := doc.Operations.ForName(opName)
	if op == nil || op.Operation != ast.Query || len(op.Directives) > 0 || hasDirectives(doc, op.SelectionSet, map[string]bool{}) {
		return no
	}
	oc := &gql.OperationContext{RawQuery: query, Doc: doc, Operation: op, OperationName: opName}
	p := &docPlan{ok: true, doc: doc, op: op}
	for i, f := range gql.CollectFields(oc, op.SelectionSet, []string{"Query"}) {
		rp := rootPlan{key: jsonKey(i, f.Alias), field: f.Field}
		if f.Name == "__typename" {
			rp.fixed = appendQuoted(nil, "Query")
		} else if rp.p, ok = d.fp.planField(oc, f); !ok {
			return no
		}
		p.fields = append(p.fields, rp)
	}
	return p
}

// hasDirectives reports a directive anywhere in a selection (fragments followed): @skip and
// @include depend on variables, and other directives are gqlgen's business.
func hasDirectives(doc *ast.QueryDocument, set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.Directives) > 0 || hasDirectives(doc, s.SelectionSet, seen) {
				return true
			}
		case *ast.InlineFragment:
			if len(s.Directives) > 0 || hasDirectives(doc, s.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if len(s.Directives) > 0 {
				return true
			}
			if seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			f := doc.Fragments.ForName(s.Name)
			if f == nil || len(f.Directives) > 0 || hasDirectives(doc, f.SelectionSet, seen) {
				return true
			}
		}
	}
	return false
}

// isJSONContent is postJSON.Supports's test of the Content-Type, without its allocations in the
// common case.
func isJSONContent(ct string) bool {
	if ct == contentJSON {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == contentJSON
}

// readBody reads r to its end into buf, sized by the request's Content-Length when it gives one.
func readBody(r io.Reader, buf []byte, length int64) ([]byte, error) {
	if length > 0 && length < maxPooledBuf && int(length) > cap(buf) {
		buf = make([]byte, 0, length+1)
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
