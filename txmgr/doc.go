// Package txmgr is rahat's transaction manager: every transaction rahat sends (distributions,
// claims, OTP settlements, redemptions) goes through it, and none is ever lost, sent twice, or
// sent with a nonce another transaction of the same key uses.
//
// Callers Enqueue a Request inside their own database transaction; Run (in every `serve`
// replica) signs, sends and tracks it to finality; Get, ListByRef and Wait read its state, and
// every change is announced on the Postgres channel rahat_txs (NotifyChannel).
//
// # Outbox
//
// Enqueue only inserts a row into txmgr_txs (state queued, no nonce) with the caller's pgx.Tx,
// so the transaction to send commits or rolls back together with the caller's own rows (a
// distribution and its transactions, an idempotency key and its result). A trigger calls
// pg_notify inside the same transaction, so the notification is delivered on commit only: no
// listener hears of a row that was rolled back, and the sender wakes as soon as the row is
// visible.
//
// States: queued -> sent -> mined -> final, or failed. A reorg moves mined back to sent. A
// revert found by the gas estimate fails the transaction before it gets a nonce; a revert on
// chain is mined (Error set), then failed once final.
//
// # One sender per signer
//
// Run starts, for each signer, a sender that first takes pg_try_advisory_lock(lockClass,
// hash(chain id, signer)) on a connection of its own (two-key form, "rtx1" + hash, a key space
// apart from the single bigint keys in store/doc.go). Replicas that do not get it stand by
// and retry every PollInterval, holding no connection meanwhile; when the holder stops or dies
// its session ends, Postgres releases the lock, and a standby takes over.
//
// A sender lets go (closes its connection, and so the lock) as soon as a round leaves its signer
// with nothing queued, sent, or mined but not final, and the signer then waits, holding nothing
// and asking the node nothing, until it is woken: by the notification of an enqueue for it, or by
// the listener, which wakes the signers with such transactions each time it (re)connects (Run's
// start included: every signer begins asleep) and every 30 PollIntervals. The next session, in
// whichever replica takes the lock first, starts over from the database, as a takeover does. So
// a deployment with hundreds of custodial vendor keys holds connections and polls the node only
// for the signers with work, from its start on.
//
// Sessions are bounded too: at most Config.MaxSessions signers hold one at once in a process (a
// session's connection is outside the pool). Signers with work beyond the bound wait for a slot in
// turn, and while one waits, a session that has run sessionSlice (10) rounds lets go and its
// signer queues again behind the others: a mass wake-up costs at most MaxSessions connections,
// and a signer that always has work does not starve the rest. A signer that waits has its
// transactions delayed, never lost (they are in the outbox); rahat_txmgr_sessions_waiting shows
// the queue.
//
// The lock is an optimisation of who works, not the only guard of correctness. The sender does
// every write on the very connection that holds the lock, so once the session is gone (and with
// it the lock) its writes fail instead of racing a new sender. Nonces come from txmgr_nonces
// under SELECT ... FOR UPDATE in the same transaction that records them, and a unique index on
// (chain_id, signer, nonce) makes a duplicate nonce impossible in the database, whatever
// happens.
//
// # Nonce model
//
// txmgr_nonces.next_nonce is the next nonce to assign; it only moves forward. A sender round
// takes queued rows in id order (at most MaxInFlight sent-but-unmined per signer), estimates
// their gas (outside any database transaction), and then in ONE database transaction: locks the
// nonce row, raises it to the node's pending nonce if that is higher (possible only if the key
// signed elsewhere, since all our transactions have nonces below next_nonce: counted in
// rahat_txmgr_nonce_resyncs_total), signs each transaction with the next nonce, stores every
// signed attempt (raw bytes, hash, fees) and the new next_nonce, and commits. Only then are the
// raw transactions broadcast, in nonce order. Nonces are therefore always persisted before any
// byte leaves the process.
//
// A transaction's estimate that reverts while earlier transactions of the same signer are still
// unmined is not failed: it may depend on them (a mint before a transfer). It waits, and with it
// everything queued behind it, so order is kept; once nothing of ours is pending, a reverting
// estimate is final and the transaction fails with the decoded reason (contracts.RevertOf).
// Other estimate errors (node down, insufficient funds) are retried every round, also in order.
//
// Nonces order one signer's transactions; Request.After orders them across signers. A queued
// transaction with After is not estimated until that transaction is mined (without a revert),
// and everything queued behind it waits with it; if that transaction fails, this one fails
// without a nonce and the queue moves on. When a transaction is mined or fails, the trigger
// announces the queued transactions that wait for it, so their senders act at once rather than
// at their next poll. Its estimate reverting while the other is mined but not
// final is waited out as above (a reorg may have taken the other out). The API uses it for a
// claim's processClaim (the vendor's key), which needs the code that addOtpToClaim (the OTP
// server's key) puts on chain.
//
// # Tracking, reorgs and replacement
//
// Every round the sender reads the head and, for each transaction with a nonce that is not
// final, the receipts of all its attempts (any fee-bumped version may be the one mined):
//
//   - a receipt appears: mined, with block number, hash, gas used; a reverted receipt's reason is
//     recovered by replaying the call with eth_call on the parent block and decoded;
//   - the receipt's block hash changed: the transaction was re-included elsewhere by a reorg; the
//     new block is recorded;
//   - head >= block + Confirmations and the header at that height still has the recorded hash:
//     final (or failed, if reverted). Final rows are never revisited, so Confirmations must cover
//     the deepest reorg the chain can have;
//   - a mined transaction's receipt vanished: its block left the canonical chain. It goes back to
//     sent (rahat_txmgr_reorged_total);
//   - a sent transaction whose nonce the node's pool does not cover (nonce >= the pending nonce):
//     the node does not have it (never broadcast, dropped by a reorg or a node restart). Its latest
//     attempt is broadcast again with the same bytes, so at most one of our hashes per nonce can
//     ever be mined (rahat_txmgr_nonce_gaps_total, resends_total{reason="lost"});
//   - a sent transaction unmined ResendAfter after its latest attempt: replaced, same nonce, tip
//     and fee cap each raised by at least 12.5% (nodes demand 10%) and to the market's if higher
//     (2 * base fee + tip), never above FeeCap. The new attempt is persisted before it is sent.
//     If FeeCap leaves no room, the replacement waits another ResendAfter
//     (rahat_txmgr_fee_capped_total);
//   - a sent transaction none of whose attempts has a receipt although its nonce is used in a block
//     Confirmations deep: the key signed something else with that nonce. None of our attempts can
//     ever be mined, so it goes back to the queue for a new nonce (rahat_txmgr_nonce_conflicts_total).
//
// A node that answers "transaction indexing is in progress" knows nothing either way: no reorg or
// conflict is concluded from its silence.
//
// # Crash windows
//
//   - Before the nonce transaction commits: nothing was signed durably and nothing was sent; the
//     rows are still queued and the next sender assigns them from the same next_nonce.
//   - After it commits, before the broadcast (tested by SIGKILLing a sender process at exactly this
//     point): the rows are sent with persisted raw bytes the node has never seen, so their nonces
//     are at or above the node's pending nonce, and the next round of whichever sender takes over
//     broadcasts those same bytes. Same bytes, same hash: the transaction cannot be mined twice,
//     and no other transaction can have taken its nonce from this manager.
//   - During or after the broadcast, before the next round: nothing is recorded after a
//     broadcast; the next round learns what happened from the receipts and the pending nonce. A
//     broadcast the node did accept is answered "already known" or "nonce too low" if repeated,
//     both harmless.
//   - A replacement persisted but not sent: the older attempt is still in the pool; either may be
//     mined, and receipts are looked up for both.
//   - Between reading a receipt and recording it: the next round reads it again; every update is
//     conditional on the state it expects (WHERE state = ...), so a late or repeated write
//     changes nothing.
//
// # Keys
//
// A KeySource provides Signers: KeystoreSource decrypts go-ethereum keystore files with a
// passphrase the caller reads from a secret, EnvKeySource parses hex keys from an environment
// variable (development), NewStaticKeys wraps keys in memory. Keys stay unlocked in memory and are
// never logged: signers and sources format as their addresses, parse errors name the position of a
// bad key and never its text, and every test of this package checks its captured logs (including
// a killed child process's) for the hex of every key.
//
// # Resources
//
// Run holds one database connection per signer that has work and for which this replica is the
// active sender (idle signers hold none, see above), plus one for LISTEN; size the pool for the
// signers busy at once. Wait holds none: it is woken by the listener of a running
// Manager in the same process, and polls every PollInterval otherwise.
package txmgr
