package catalog

import (
	"fmt"
	"slices"
	"strings"
)

// Op is a filter operator: the suffix of a where key (amount_gt), TheGraph's set.
type Op string

// TheGraph's filter operators. OpEq has no suffix; OpNested is the "_" of a relation filter.
const (
	OpEq                  Op = ""
	OpNot                 Op = "_not"
	OpGt                  Op = "_gt"
	OpLt                  Op = "_lt"
	OpGte                 Op = "_gte"
	OpLte                 Op = "_lte"
	OpIn                  Op = "_in"
	OpNotIn               Op = "_not_in"
	OpContains            Op = "_contains"
	OpContainsNocase      Op = "_contains_nocase"
	OpNotContains         Op = "_not_contains"
	OpNotContainsNocase   Op = "_not_contains_nocase"
	OpStartsWith          Op = "_starts_with"
	OpStartsWithNocase    Op = "_starts_with_nocase"
	OpNotStartsWith       Op = "_not_starts_with"
	OpNotStartsWithNocase Op = "_not_starts_with_nocase"
	OpEndsWith            Op = "_ends_with"
	OpEndsWithNocase      Op = "_ends_with_nocase"
	OpNotEndsWith         Op = "_not_ends_with"
	OpNotEndsWithNocase   Op = "_not_ends_with_nocase"
	OpNested              Op = "_"
)

// The operator sets are shared by every field of their type, and Ops appends to them: each is
// clipped (no spare capacity), so that an append copies rather than writes into the shared array.
var (
	orderedOps = []Op{OpEq, OpNot, OpGt, OpLt, OpGte, OpLte, OpIn, OpNotIn}
	bytesOps   = slices.Clip(slices.Concat(orderedOps, []Op{OpContains, OpNotContains}))
	stringOps  = slices.Clip(slices.Concat(orderedOps, []Op{OpContains, OpContainsNocase, OpNotContains, OpNotContainsNocase,
		OpStartsWith, OpStartsWithNocase, OpNotStartsWith, OpNotStartsWithNocase,
		OpEndsWith, OpEndsWithNocase, OpNotEndsWith, OpNotEndsWithNocase}))
	boolOps       = []Op{OpEq, OpNot, OpIn, OpNotIn}
	listOps       = []Op{OpEq, OpNot, OpContains, OpNotContains}
	stringListOps = []Op{OpEq, OpNot, OpContains, OpContainsNocase, OpNotContains, OpNotContainsNocase}
)

// Ops returns the filter operators of a field, in schema order.
func (f *Field) Ops() []Op {
	if f.Rel != nil {
		if f.Rel.Many || f.Col == nil {
			return []Op{OpNested}
		}
		return append(scalarOps(f.Type), OpNested)
	}
	if f.Const != "" {
		return boolOps
	}
	if f.List {
		if f.Type == String {
			return stringListOps
		}
		return listOps
	}
	return scalarOps(f.Type)
}

func scalarOps(t Scalar) []Op {
	switch t {
	case Bytes:
		return bytesOps
	case String:
		return stringOps
	case Boolean:
		return boolOps
	}
	return orderedOps
}

// TakesList reports whether the operator's value is a list of the field's type.
func (o Op) TakesList() bool { return o == OpIn || o == OpNotIn }

// Filter is a where key resolved to its field and operator.
type Filter struct {
	Field *Field
	Op    Op
}

// Filter resolves a where key (amount_gt, project_) of the entity.
func (e *Entity) Filter(key string) (Filter, bool) {
	f, ok := e.filters[key]
	return f, ok
}

// Orderable reports whether a field can be an orderBy value: scalars that are not lists, and
// to-one relations stored in one column (ordered by that column).
func (f *Field) Orderable() bool {
	if f.Rel != nil {
		return !f.Rel.Many && f.Col != nil
	}
	return !f.List
}

// ChildOrders lists the fields of a to-one relation's target that order its entity as
// "<relation>__<field>" (TheGraph's child ordering, one level deep): the target's orderable
// scalars other than constants. Nil for any other field.
func (f *Field) ChildOrders() []*Field {
	if f.Rel == nil || f.Rel.Many {
		return nil
	}
	var out []*Field
	for _, g := range f.Rel.Target.Fields {
		if g.Rel == nil && g.Orderable() && g.Const == "" {
			out = append(out, g)
		}
	}
	return out
}

// ChildOrder resolves an orderBy value "<relation>__<field>" of the entity: the to-one relation
// and the target's field; ok is false for anything else.
func (e *Entity) ChildOrder(orderBy string) (rel, child *Field, ok bool) {
	name, sub, found := strings.Cut(orderBy, "__")
	if !found {
		return nil, nil, false
	}
	rel = e.Field(name)
	if rel == nil {
		return nil, nil, false
	}
	for _, g := range rel.ChildOrders() {
		if g.Name == sub {
			return rel, g, true
		}
	}
	return nil, nil, false
}

// Groupable reports whether aggregates can group by the field: short scalars (Bytes, String,
// Boolean, Int) and one-column references, but not ids, hashes of transactions or blocks.
func (f *Field) Groupable() bool {
	if f.IsID || f.List || f.Const != "" {
		return false
	}
	if f.Rel != nil {
		return !f.Rel.Many && f.Col != nil
	}
	switch f.Name {
	case "transactionHash", "createdTx", "processedTx", "otpHash":
		return false
	}
	switch f.Type {
	case Bytes, String, Boolean, Int:
		return true
	}
	return false
}

// index builds the where-key table.
func (e *Entity) index() error {
	e.filters = map[string]Filter{}
	for _, f := range e.Fields {
		for _, op := range f.Ops() {
			key := f.Name + string(op)
			if _, dup := e.filters[key]; dup {
				return fmt.Errorf("%s: filter %s is ambiguous", e.Name, key)
			}
			e.filters[key] = Filter{Field: f, Op: op}
		}
	}
	return nil
}
