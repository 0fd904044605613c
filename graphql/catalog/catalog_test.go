package catalog

import (
	"testing"
)

func TestNames(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, single, plural string }{
		{"ClaimCreated", "claimCreated", "claimCreateds"},
		{"Beneficiary", "beneficiary", "beneficiaries"},
		{"Balance", "balance", "balances"},
		{"TokenBudgetIncrease", "tokenBudgetIncrease", "tokenBudgetIncreases"},
		{"OTPAdded", "otpAdded", "otpAddeds"},
		{"Status", "status", "statuses"},
		{"Day", "day", "days"},
		{"Approval", "approval", "approvals"},
	}
	for _, c := range cases {
		if got := SingleName(c.in); got != c.single {
			t.Errorf("SingleName(%s) = %s, want %s", c.in, got, c.single)
		}
		if got := PluralName(c.in); got != c.plural {
			t.Errorf("PluralName(%s) = %s, want %s", c.in, got, c.plural)
		}
	}
}

func TestDefault(t *testing.T) {
	t.Parallel()
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range c.Entities {
		t.Logf("%s %s %s key=%v id=%v cols=%d", e.Name, e.Plural, e.Table, e.Key, e.ID, len(e.Columns))
		for _, f := range e.Fields {
			col := ""
			if f.Col != nil {
				col = f.Col.Name + ":" + f.Col.SQLType
			}
			rel := ""
			if f.Rel != nil {
				rel = f.Rel.Target.Name
			}
			t.Logf("   %s %s list=%v null=%v col=%s rel=%s ops=%d", f.Name, f.Type, f.List, f.Nullable, col, rel, len(f.Ops()))
		}
	}
}

// TestOpsNotShared: the operators of a relation with a column (its scalar set and "_") are a slice of
// their own, not an append into the scalar set shared by every field of the type, which two
// catalogs loaded at once (or a caller changing its copy) would overwrite for each other.
func TestOpsNotShared(t *testing.T) {
	t.Parallel()
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, e := range c.Entities {
		for _, f := range e.Fields {
			if f.Rel == nil || f.Rel.Many || f.Col == nil {
				continue
			}
			a, b := f.Ops(), f.Ops()
			b[len(b)-1] = "_changed"
			if a[len(a)-1] != OpNested {
				t.Fatalf("%s.%s: two calls of Ops share one array (the first now ends with %q)", e.Name, f.Name, a[len(a)-1])
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no relation with a column in the default catalog")
	}
}
