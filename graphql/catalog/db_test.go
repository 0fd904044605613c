package catalog_test

import (
	"context"
	"strings"
	"testing"

	"github.com/rahataid/rahat/graphql/catalog"
	"github.com/rahataid/rahat/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestDerivedColumnsExist checks entities.graphql against the migrated schema: every table and
// column it names exists with the type it declares (the entity tables belong to indexer/entity).
func TestDerivedColumnsExist(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	// udt_name spells types as int8, numeric, bytea, text, bool, int2, int4, _bytea (arrays).
	udt := map[string]string{"boolean": "bool"}
	for _, e := range cat.Entities {
		if e.Kind == catalog.Event {
			continue
		}
		for _, c := range e.Columns {
			if c.SQL != "" {
				continue
			}
			var got string
			err := db.QueryRow(context.Background(),
				`SELECT udt_name FROM information_schema.columns WHERE table_name = $1 AND column_name = $2`, e.Table, c.Name).Scan(&got)
			if err != nil {
				t.Errorf("%s.%s (%s.%s): %v", e.Name, c.JSONName, e.Table, c.Name, err)
				continue
			}
			want := c.SQLType
			if u, ok := udt[want]; ok {
				want = u
			}
			if strings.HasSuffix(want, "[]") {
				want = "_" + strings.TrimSuffix(want, "[]")
			}
			if got != want {
				t.Errorf("%s.%s: column %s.%s is %s, entities.graphql says %s", e.Name, c.JSONName, e.Table, c.Name, got, c.SQLType)
			}
		}
	}
}
