// Package pgtest gives tests a real PostgreSQL: a fresh, migrated database per test, cloned
// from a template, on one throwaway cluster per test process.
//
// Every package whose tests use it needs this once:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// and then, in any test (parallel or not):
//
//	db := pgtest.New(t)       // *pgxpool.Pool on a fresh database, migrated by store.Migrate
//	url := pgtest.NewURL(t)   // the URL of a fresh database, for a subprocess such as `rahat index`
//	c := pgtest.NewCluster(t) // a private cluster of the test's own, to stop and start under a client
//
// Databases are dropped (WITH (FORCE)) and pools closed when the test ends.
//
// # Where the server comes from
//
// With TEST_DATABASE_URL set, databases are created on that server (the role needs CREATEDB).
// Otherwise the first test that asks starts a private cluster (package pgcluster, Ephemeral:
// no fsync) in a temporary directory; Main stops it and removes the directory after the
// tests. If the cluster cannot start (no server binaries, say), every test that needs it
// fails with the reason: tests never skip for lack of a database.
//
// # The template
//
// The migrations run once per process (for TEST_DATABASE_URL, once per migration set and
// server: the template's name carries a hash of the migrations, and it is built under an
// advisory lock and renamed into place when complete, so concurrent test processes share it).
// CREATE DATABASE … TEMPLATE then copies it for each test in tens of milliseconds. The
// template does not allow connections, because a connection to it would make the copy fail.
//
// # Package state
//
// Go's testing package has no hook that runs once per process after all tests except
// TestMain, and the cluster must outlive every test of the package, so it lives in one
// package-level variable, set up lazily under a sync.Once and torn down by Main. This is the
// one exception to the no-package-state rule, and it is confined to test code. Tests that use
// the harness without calling Main fail with a message saying what to add, so that no package
// leaves clusters and temporary directories behind.
//
// On Linux, a test binary killed with SIGKILL still stops its cluster (pgcluster's
// parent-death signal); the next run removes the temporary directories such runs leave.
package pgtest
