package sms

import (
	"testing"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/rahataid/rahat/internal/pgtest"
)

// TestRiverSchemaIsCurrent checks that rahat's migrations (0040, 0041) install exactly river's
// schema as rivermigrate knows it: when a river upgrade brings a migration, this fails until the
// migration is added to store/migrations as a new numbered file.
func TestRiverSchemaIsCurrent(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	m, err := rivermigrate.New(riverpgxv5.New(db), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Validate(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK {
		t.Fatalf("river's schema is not current: %v", res.Messages)
	}
	all := m.AllVersions()
	existing, err := m.ExistingVersions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(existing) != len(all) {
		t.Fatalf("river_migration lists %d versions, river has %d", len(existing), len(all))
	}
	dry, err := m.Migrate(t.Context(), rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{DryRun: true})
	if err != nil || len(dry.Versions) != 0 {
		t.Fatalf("rivermigrate would still apply %v (%v)", dry, err)
	}
}
