package graphql

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/graphql/model"
)

// How a subscription is served.
type subKind uint8

const (
	kindResult subKind = iota // a list or aggregate re-run as a query; the whole result when it changes
	kindRows                  // a list whose later messages are the rows a commit added or changed
	kindBlocks                // newBlocks
	kindReorgs                // reorgs
)

func (k subKind) String() string {
	return [...]string{"result", "rows", "blocks", "reorgs"}[k]
}

// The variables a live query adds to the subscriber's document. Underscored names cannot clash
// with the generated schema's, and a client that declares one is refused (newLivePlan).
const (
	varBlock = "_rahatLiveBlock" // the block every read is pinned at
	varFrom  = "_rahatLiveFrom"  // ROWS: the first block of the range read
	varAfter = "_rahatLiveAfter" // ROWS: the cursor of the page read
	varPage  = "_rahatLivePage"  // ROWS: the page size
)

// livePlan is how to serve one subscription operation, derived once per group.
type livePlan struct {
	kind   subKind
	key    string // the group: canonical document, variables and mode
	alias  string // the root field's response key
	entity *catalog.Entity
	chain  *uint64 // newBlocks and reorgs: the chainId argument
	// query is the document re-run: for lists the equivalent Query field pinned at $_rahatLiveBlock,
	// for newBlocks and reorgs the subscription itself (rendered from the event).
	query string
	// rows is, in ROWS mode, the connection query that reads the rows changed in a block range.
	rows string
	page int
	vars map[string]any
	// narrow reports a subscription only commits to its entity's own table can change (an event
	// entity without relations or relation filters); timed one that changes with every block
	// (a column computed from the block's time, such as Claim.state).
	narrow, timed bool
	// filter is, for a narrow subscription, its where argument compiled for evaluation against a
	// commit's new rows (subscribe_filter.go); nil when there is none or it may match any row.
	filter *rowFilter
}

// subscriptionRoot returns the one root field of a validated subscription.
func subscriptionRoot(oc *gql.OperationContext) (gql.CollectedField, error) {
	fields := gql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Subscription"})
	if len(fields) != 1 {
		return gql.CollectedField{}, model.Errorf("a subscription selects exactly one field")
	}
	return fields[0], nil
}

// newPlan derives the livePlan of a subscription operation. vars are the client's variables as sent.
// pageSize is the ROWS page size when first is 0.
func newLivePlan(oc *gql.OperationContext, cat *catalog.Catalog, byField map[string]*catalog.Entity, vars map[string]any, pageSize int) (*livePlan, error) {
	for _, v := range oc.Operation.VariableDefinitions {
		if strings.HasPrefix(v.Variable, "_rahatLive") {
			return nil, model.Errorf("variable $%s is reserved", v.Variable)
		}
	}
	f, err := subscriptionRoot(oc)
	if err != nil {
		return nil, err
	}
	args := f.ArgumentMap(oc.Variables)
	canon := canonicalKey(oc, vars)
	p := &livePlan{alias: f.Alias, vars: vars}
	switch f.Name {
	case "newBlocks", "reorgs":
		p.kind = kindBlocks
		if f.Name == "reorgs" {
			p.kind = kindReorgs
		}
		if c, ok := args["chainId"]; ok && c != nil {
			n, err := strconv.ParseUint(fmt.Sprint(c), 10, 64)
			if err != nil {
				return nil, model.Errorf("chainId: %v is not a chain id", c)
			}
			p.chain = &n
		}
		p.key, p.query = canon, formatDoc(oc.Operation, oc.Doc.Fragments)
		return p, nil
	}
	e := byField[f.Name]
	if e == nil {
		return nil, model.Errorf("%s cannot be subscribed to", f.Name)
	}
	p.entity = e
	if mode, _ := args["mode"].(string); mode == "ROWS" {
		p.kind = kindRows
	}
	p.key = p.kind.String() + "\x00" + canon
	ents := map[*catalog.Entity]bool{e: true}
	entitiesIn(cat, f.Selections, ents)
	p.narrow = e.Kind == catalog.Event && len(ents) == 1 && !nestedFilter(args["where"])
	for x := range ents {
		p.timed = p.timed || timeDependent(x)
	}
	if p.narrow && !p.timed {
		p.filter = compileFilter(e, args["where"])
	}

	op := rewriteRoot(oc, f, f.Name, withoutArg(f.Arguments, "mode"), f.SelectionSet)
	p.query = formatDoc(op, queryFragments(oc.Doc.Fragments))
	if p.kind == kindRows {
		p.page = pageSize
		if first, ok := intValue(args["first"]); ok && first > 0 {
			p.page = first
		}
		op := rewriteRoot(oc, f, e.Plural+"Connection", rowsArgs(f, vars), ast.SelectionSet{
			&ast.Field{Alias: "nodes", Name: "nodes", SelectionSet: f.SelectionSet},
			&ast.Field{Alias: "pageInfo", Name: "pageInfo", SelectionSet: ast.SelectionSet{
				&ast.Field{Alias: "hasNextPage", Name: "hasNextPage"}, &ast.Field{Alias: "endCursor", Name: "endCursor"}}},
		})
		op.VariableDefinitions = append(op.VariableDefinitions,
			&ast.VariableDefinition{Variable: varFrom, Type: ast.NonNullNamedType("Int", nil)},
			&ast.VariableDefinition{Variable: varAfter, Type: ast.NamedType("String", nil)},
			&ast.VariableDefinition{Variable: varPage, Type: ast.NonNullNamedType("Int", nil)})
		p.rows = formatDoc(op, queryFragments(oc.Doc.Fragments))
	}
	return p, nil
}

// canonicalKey is the operation (without its name, whitespace or comments) and the variables:
// identical subscriptions share one group, however their documents were written.
func canonicalKey(oc *gql.OperationContext, vars map[string]any) string {
	op := *oc.Operation
	op.Name = ""
	var b strings.Builder
	b.WriteString(formatDoc(&op, oc.Doc.Fragments))
	b.WriteByte(0)
	v, _ := json.Marshal(vars) // map keys are sorted
	b.Write(v)
	return b.String()
}

func formatDoc(op *ast.OperationDefinition, frags ast.FragmentDefinitionList) string {
	var buf bytes.Buffer
	formatter.NewFormatter(&buf, formatter.WithCompacted()).FormatQueryDocument(&ast.QueryDocument{
		Operations: ast.OperationList{op}, Fragments: frags})
	return buf.String()
}

// queryFragments drops fragments on Subscription, which a query cannot use.
func queryFragments(frags ast.FragmentDefinitionList) ast.FragmentDefinitionList {
	var out ast.FragmentDefinitionList
	for _, f := range frags {
		if f.TypeCondition != "Subscription" {
			out = append(out, f)
		}
	}
	return out
}

// rewriteRoot returns a query operation whose one root field is name(args) { sel } under the
// subscription's response key, pinned at $_rahatLiveBlock, declaring the variables it still uses.
func rewriteRoot(oc *gql.OperationContext, f gql.CollectedField, name string, args ast.ArgumentList, sel ast.SelectionSet) *ast.OperationDefinition {
	args = append(args, &ast.Argument{Name: "block", Value: &ast.Value{Kind: ast.ObjectValue, Children: ast.ChildValueList{
		{Name: "number", Value: variable(varBlock)}}}})
	root := &ast.Field{Alias: f.Alias, Name: name, Arguments: args, Directives: f.Directives, SelectionSet: sel}
	op := &ast.OperationDefinition{Operation: ast.Query, Name: oc.Operation.Name, SelectionSet: ast.SelectionSet{root}}
	used := map[string]bool{}
	usedVars(op.SelectionSet, oc.Doc.Fragments, used, map[string]bool{})
	for _, v := range oc.Operation.VariableDefinitions {
		if used[v.Variable] {
			op.VariableDefinitions = append(op.VariableDefinitions, v)
		}
	}
	op.VariableDefinitions = append(op.VariableDefinitions, &ast.VariableDefinition{Variable: varBlock, Type: ast.NonNullNamedType("Int", nil)})
	return op
}

// rowsArgs are the arguments of the connection field that reads the rows a block range changed:
// the subscription's filter and the range (_change_block), in the entity's default order.
func rowsArgs(f gql.CollectedField, vars map[string]any) ast.ArgumentList {
	change := &ast.Value{Kind: ast.ObjectValue, Children: ast.ChildValueList{
		{Name: "_change_block", Value: &ast.Value{Kind: ast.ObjectValue, Children: ast.ChildValueList{{Name: "number_gte", Value: variable(varFrom)}}}}}}
	where := change
	if a := f.Arguments.ForName("where"); a != nil && !(a.Value.Kind == ast.Variable && vars[a.Value.Raw] == nil) && a.Value.Kind != ast.NullValue {
		where = &ast.Value{Kind: ast.ObjectValue, Children: ast.ChildValueList{
			{Name: "and", Value: &ast.Value{Kind: ast.ListValue, Children: ast.ChildValueList{{Value: a.Value}, {Value: change}}}}}}
	}
	return ast.ArgumentList{
		{Name: "first", Value: variable(varPage)},
		{Name: "after", Value: variable(varAfter)},
		{Name: "where", Value: where},
	}
}

func variable(name string) *ast.Value { return &ast.Value{Kind: ast.Variable, Raw: name} }

func withoutArg(args ast.ArgumentList, name string) ast.ArgumentList {
	out := make(ast.ArgumentList, 0, len(args))
	for _, a := range args {
		if a.Name != name {
			out = append(out, a)
		}
	}
	return out
}

// usedVars collects the variables a selection (and the fragments it spreads) refers to.
func usedVars(sel ast.SelectionSet, frags ast.FragmentDefinitionList, used, seen map[string]bool) {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			for _, a := range s.Arguments {
				valueVars(a.Value, used)
			}
			directiveVars(s.Directives, used)
			usedVars(s.SelectionSet, frags, used, seen)
		case *ast.InlineFragment:
			directiveVars(s.Directives, used)
			usedVars(s.SelectionSet, frags, used, seen)
		case *ast.FragmentSpread:
			directiveVars(s.Directives, used)
			if !seen[s.Name] {
				seen[s.Name] = true
				if fd := frags.ForName(s.Name); fd != nil {
					usedVars(fd.SelectionSet, frags, used, seen)
				}
			}
		}
	}
}

func directiveVars(ds ast.DirectiveList, used map[string]bool) {
	for _, d := range ds {
		for _, a := range d.Arguments {
			valueVars(a.Value, used)
		}
	}
}

func valueVars(v *ast.Value, used map[string]bool) {
	if v == nil {
		return
	}
	if v.Kind == ast.Variable {
		used[v.Raw] = true
	}
	for _, c := range v.Children {
		valueVars(c.Value, used)
	}
}

// entitiesIn adds the entities a selection reads (relations and their relations).
func entitiesIn(cat *catalog.Catalog, sel ast.SelectionSet, out map[*catalog.Entity]bool) {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			if s.Definition != nil && s.Definition.Type != nil {
				if e := cat.Entity(s.Definition.Type.Name()); e != nil {
					out[e] = true
				}
			}
			entitiesIn(cat, s.SelectionSet, out)
		case *ast.InlineFragment:
			entitiesIn(cat, s.SelectionSet, out)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				entitiesIn(cat, s.Definition.SelectionSet, out)
			}
		}
	}
}

// nestedFilter reports a where argument that filters on a relation (a key ending in _), which
// makes the result depend on other entities' tables.
func nestedFilter(w any) bool {
	switch w := w.(type) {
	case map[string]any:
		for k, v := range w {
			if strings.HasSuffix(k, "_") || nestedFilter(v) {
				return true
			}
		}
	case []any:
		for _, v := range w {
			if nestedFilter(v) {
				return true
			}
		}
	}
	return false
}

// timeDependent reports an entity with a column computed from the time of the block read.
func timeDependent(e *catalog.Entity) bool {
	for _, c := range e.Columns {
		if strings.Contains(c.SQL, "{at}") {
			return true
		}
	}
	return false
}

func intValue(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case json.Number:
		n, err := x.Int64()
		return int(n), err == nil
	}
	return 0, false
}
