package query

import (
	"github.com/rahataid/rahat/graphql/model"
)

// Limits bound what one list field may ask for.
type Limits struct {
	// DefaultFirst is the page size when first is not given (TheGraph: 100).
	DefaultFirst int
	// MaxFirst is the largest first (TheGraph: 1000).
	MaxFirst int
	// MaxSkip is the largest skip (TheGraph's hosted service: 5000). Deep pages should use cursors.
	MaxSkip int
	// CoalesceSlots is how many raw reads (the fast path's lookups and lists) of one statement
	// text run alone at once before the next ones are merged into one statement (coalesce.go).
	// 0 means CoalesceSlots; below 0, never.
	CoalesceSlots int
}

func (l Limits) withDefaults() Limits {
	if l.DefaultFirst <= 0 {
		l.DefaultFirst = 100
	}
	if l.MaxFirst <= 0 {
		l.MaxFirst = 1000
	}
	if l.MaxSkip <= 0 {
		l.MaxSkip = 5000
	}
	if l.CoalesceSlots == 0 {
		l.CoalesceSlots = CoalesceSlots
	}
	return l
}

// ListArgs are the arguments of a TheGraph list field (claimCreateds, project.beneficiaries). A
// subscription re-runs a list by calling List with the same ListArgs.
type ListArgs struct {
	First          *int
	Skip           *int
	OrderBy        *string
	OrderDirection *string
	Where          map[string]any
	Block          *model.BlockHeight
}

// PageArgs are the arguments of a connection field (claimCreatedsConnection): keyset pages that
// start after or end before a cursor.
type PageArgs struct {
	First          *int
	After, Before  *string
	OrderBy        *string
	OrderDirection *string
	Where          map[string]any
	Block          *model.BlockHeight
}

// AggregateArgs are the arguments of an aggregate field (claimCreatedsAggregate).
type AggregateArgs struct {
	Where          map[string]any
	Block          *model.BlockHeight
	GroupBy        []string
	Interval       *string
	First          *int
	Skip           *int
	OrderDirection *string
	// Stats, when set, limits the statistics computed to those selected: stat ("sum", "min",
	// "max") to field names. Nil computes every statistic of every number.
	Stats map[string][]string
}

// page checks first and skip against the limits, with TheGraph's messages.
func (l Limits) page(first, skip *int) (int, int, error) {
	f, s := l.DefaultFirst, 0
	if first != nil {
		f = *first
	}
	if skip != nil {
		s = *skip
	}
	if f < 0 || f > l.MaxFirst {
		return 0, 0, model.Errorf("The `first` argument must be between 0 and %d, but is %d", l.MaxFirst, f)
	}
	if s < 0 || s > l.MaxSkip {
		return 0, 0, model.Errorf("The `skip` argument must be between 0 and %d, but is %d (use a connection's cursors to go deeper)", l.MaxSkip, s)
	}
	return f, s, nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func desc(dir *string) bool { return dir != nil && *dir == "desc" }
