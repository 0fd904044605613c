// Package store is rahat's foundation for PostgreSQL: it opens connection pools (Open) and
// owns the schema, as numbered SQL migrations embedded in the binary (Migrate, Status,
// Pending). Packages that read or write data keep their own queries beside their code and take
// a *pgxpool.Pool from here.
//
// # Migrations
//
// Each file store/migrations/NNNN_name.sql is one migration: NNNN is its version (four
// digits, from 0001), name is lower case with underscores. Files are embedded with embed.FS,
// so a binary carries exactly the schema it was built with. A malformed name, a duplicate
// version or an empty file makes Migrations fail, and with it every test.
//
// Version numbers are allotted by area, so that teams add migrations without colliding:
//
//	0001-0009  foundation (store): 0001_init creates the btree_gist extension
//	0010-0019  indexer: event tables, partitions, block hashes, checkpoints, entities
//	0020-0029  graphql: views, functions and indexes the GraphQL API needs
//	0030-0039  api: JWT keys, transactions and nonces, idempotency, redemptions
//	0040-0049  sms: phone hashes, one-time codes, message log
//
// An area that runs out of numbers takes the next free block of ten above 0049 and notes it
// here. A migration may depend only on lower-numbered ones.
//
// Migrate guarantees:
//
//   - Serialised: it holds pg_advisory_lock(MigrationLockKey) on one connection for the whole
//     run, so any number of `rahat migrate` (or servers migrating at start) may race: one
//     applies, the others wait and then find nothing to do.
//   - Atomic per migration: each runs in its own transaction together with its row in
//     schema_migrations(version, name, applied_at), so a failure leaves the database at the
//     previous migration and names the one that failed. A migration therefore must not use
//     statements that cannot run in a transaction (CREATE INDEX CONCURRENTLY, VACUUM).
//   - Idempotent: applied versions are skipped. Pending versions below the highest applied
//     one are applied too, because areas add migrations independently.
//   - Refuses newer databases: if schema_migrations holds a version this binary lacks (a newer
//     rahat migrated it), Migrate changes nothing and returns ErrUnknownMigration.
//
// Status reads without locking, for `rahat migrate --status`.
//
// # Advisory lock keys
//
// Advisory locks share one key space per database. Keys in use, as the ASCII bytes of an
// eight-letter name, so that they are recognisable in pg_locks:
//
//	MigrationLockKey  "rahatmig"  0x72616861746d6967  schema migrations
//	(internal/pgtest) "rahattpl"  0x726168617474706c  test template builds, on the admin database
//	indexer.LockKey   FNV-64a of "rahat/indexer/<chain id>"   the single active indexer of a chain
//	(indexer)         FNV-64a of "rahat/indexer/schema"       DDL on event tables across chains
//	(txmgr)           two-key lock (0x72747831 "rtx1", hash of chain id and signer)   one sender per signer
//
// Two-key locks (pg_advisory_lock(int4, int4)) live in a key space of their own. A package that takes a
// new lock adds it to this list.
package store
