// Package api is rahat's REST command API: the registry of beneficiaries and vendors,
// distributions (an operator allocates tokens to up to 10,000 beneficiaries), and vendor
// redemption with one-time codes (claim, code by SMS, code submitted, settlement). It signs
// nothing itself: every transaction goes through the transaction manager's outbox (package
// txmgr), inside the API's own database transaction. docs/api.md is the user's guide;
// openapi.json (served at /v1/openapi.json) is the contract, checked against the router by
// openapi_test.go.
//
// # One database transaction per request
//
// A write request runs in one transaction that holds, together: its Idempotency-Key row, its own
// rows (distribution, items, claim ...), and the txmgr_txs rows of the transactions it enqueues
// (Manager.Enqueue takes the pgx.Tx). Either all of it commits or none: a distribution is never
// half-enqueued, and a crash before commit leaves nothing to clean up. After commit the
// transaction manager sends, tracks and re-sends; the API only reads states back.
//
// Handlers of write routes must do all database work through that transaction, never through
// the pools. A concurrent repeat of an idempotent request holds a pool connection while it waits
// for the first one's row lock, so a first request that needed a second connection could wait
// for a pool drained by its own repeats.
//
// # Idempotency
//
// (token subject, Idempotency-Key) is the primary key of api_idempotency. The first request
// inserts the row and keeps its lock until it commits its work and its response (status and body
// bytes) in the same transaction. A repeat's INSERT ... ON CONFLICT DO NOTHING waits on that lock;
// if the first commits, the repeat reads the stored response and returns it byte for byte; if the
// first rolled back (validation errors are not stored, nothing having happened), the repeat runs
// itself. So exactly one request per key ever executes, whatever the concurrency or the number
// of replicas. A key reused with another method, path or body is refused (422). Errors that
// changed state, such as a wrong code that used up an attempt, are committed and replayed like
// successes.
//
// # Distributions
//
// RahatProject's allocateTokens sets a beneficiary's remaining allocation; it does not add. The
// API keeps that meaning (an allocation's amount is the new remaining allocation) because it makes
// a re-sent transaction harmless. Validation, all before anything is written: the project is
// indexed and managed by this API's operator key (isAdmin), every beneficiary is registered in
// the project, no beneficiary is being allocated by an unfinished distribution (409: two setters
// in flight would race), and what the batch adds beyond the current allocations (read with
// allocation() at the head, in JSON-RPC batches) fits the free budget (availableBudget() at the
// same block) less what queued distributions hold. A per-project advisory lock serialises these
// checks. Beneficiaries registered off chain but not on chain are added first (addBeneficiaries),
// unless an earlier distribution already enqueued their addition. Transactions are chunked
// (addBeneficiaries by gas: about 113,000 per new beneficiary on the dev chain, so 143 fit under
// the 16,777,216 per-transaction cap; allocateTokensBatch by 500) with explicit gas limits,
// because an allocation cannot be estimated before the addition it depends on is mined. All come
// from the operator key, so their nonces keep their order. A 1,000-beneficiary distribution of
// new beneficiaries is 7 + 2 transactions; of beneficiaries already on chain, 2.
//
// # Claims
//
// A claim is a row in api_claims moving creating -> code_sent -> processing -> processed (or
// failed). createClaim is signed with the vendor's custodial key. When it is mined without a
// revert, the worker reads the claim id from the receipt's ClaimCreated log, draws a code
// (crypto/rand) and a 16-byte salt, and in one transaction enqueues addOtpToClaim(id,
// keccak256(code.salt), expiry) from the OTP server key (contracts.SaltedOtp), hands the code to
// the CodeSender (the SMS service's durable queue, in the same transaction), and stores the hash,
// the salt and the expiry. The code is then nowhere but in the SMS queue. A submitted code is
// checked against the hash (constant time) before anything is sent: wrong codes count against
// MaxAttempts, expired ones are refused, a used one is a conflict. A right code is accepted even
// before its hash is mined (the SMS can reach the beneficiary first): processClaim is enqueued
// with txmgr.Request.After set to addOtpToClaim, so the vendor's sender holds it until that is
// mined, and it fails unsent if that fails. processClaim then gets the salted code in its call
// data, as the contract requires; that is public, and happens only once the code is spent.
//
// The salt is what keeps the code secret: the contract publishes the hash, and the hash of a
// numeric code alone is reversed by trying every value. With 16 secret bytes in it, the vendor
// who reads the hash cannot search it, and the right code reaches the chain only through the API,
// whose attempts are counted. Codes sent before salts (code_salt NULL) are checked unsalted.
//
// The code is acted on once createClaim is mined rather than final (waiting 12 blocks at the
// counter is too long); if a reorg re-mines createClaim under another id, the code lands on the wrong claim,
// processClaim reverts, and the claim fails visibly: the vendor starts again.
//
// # The worker
//
// Server.Run wakes on the transaction manager's notifications (rahat_txs) and every
// PollInterval. It advances created claims (above) and derives the stored states of claims,
// distributions and settlements from their transactions. Each step locks the rows it moves
// (FOR UPDATE SKIP LOCKED), so replicas can all run it. Reads (GET) compute the state from the
// transactions too, so they are never behind the worker.
//
// The worker and the validations join txmgr_txs (state, error, hash) in SQL rather than calling
// Manager.Get per row: one query per pass instead of one per object. That couples the API to
// the outbox's columns, which store/migrations/0035_txmgr.sql documents.
//
// # Reads of states
//
// GET handlers fold a request's transactions into its state when read (overall), so reads are
// never behind the transaction manager; lists do the same fold in SQL (requestFoldSQL). GraphQL's
// operational fields (graphql/ops_sql.go) fold the same way, for the same bearer tokens; the
// gauges rahat_api_objects and rahat_api_transactions count the stored states at scrape time.
package api
