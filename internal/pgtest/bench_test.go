package pgtest

import "testing"

// BenchmarkNewDatabase measures the per-test cost of a fresh migrated database: the copy of
// the template and its drop.
func BenchmarkNewDatabase(b *testing.B) {
	h := shared.get(b)
	ctx := b.Context()
	for b.Loop() {
		name, err := h.create(ctx, h.template)
		if err != nil {
			b.Fatal(err)
		}
		if err := h.drop(ctx, name); err != nil {
			b.Fatal(err)
		}
	}
}
