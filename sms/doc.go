// Package sms is rahat's SMS and voice channel for beneficiaries, many of whom have only a basic
// phone: they text a word (BAL, ब्यालेन्स) and get their balance back, call and hear it, and
// receive one-time codes for vendors' claims and notices of new allocations. docs/sms.md is the
// operator's guide; these notes say why it works the way it does.
//
// # Inbound
//
// Twilio posts each message to /sms/inbound (and each call to /sms/voice). The X-Twilio-Signature
// is checked with twilio-go's RequestValidator over Config.PublicURL + path + query, the URL
// Twilio signed; a request that fails gets 403 and no TwiML. The sender is found by its keyed hash
// (phone.Hasher) in reg_beneficiaries; numbers are never stored, compared or logged in the
// clear (logs carry phone.Redact of the hash). A balance check costs one round trip: one statement
// (answerSQL, on the primary because it writes) counts the message against the rate limit, reads
// the number's registrations and, for a balance request within the limit, their balance (lineSQL:
// entity.BeneficiaryBalances for several addresses at once; balance_test.go holds the two to the
// same answers). Help, unknown numbers and a flood read no balance. Only with a separate read pool
// (Config.Read, a replica) is the balance read there, in a second statement. The answer is the
// webhook's TwiML: nothing is queued for an inbound message. A phone registered in several
// projects is one person: balances are summed per token over its registrations' addresses, and
// the newest registration's language is used. The reply is built at three levels of detail
// (every amount labelled; the four amounts under one legend; available only) and the most
// detailed one that fits one segment is sent: 160 GSM-7 septets, or 70 UCS-2 units for Nepali
// (see segment.go).
//
// Rate limiting counts every signed message and call per phone hash in fixed windows, in an
// UNLOGGED table so that all replicas share the count and the webhook pays no fsync for it. The
// first message over the limit is told to wait; later ones get an empty <Response/>, so a flood
// costs at most one reply per window.
//
// # Outbound: exactly one message per event
//
// SendClaimCode and NotifyAllocation insert a row in sms_outbound and a river job carrying only
// that row's id, both in the caller's transaction (river's InsertTx): the message exists if and
// only if the caller's work commits, and once committed it is in Postgres, so no crash loses it.
// sms_outbound.event_key is unique ("code:<claim>:a<attempt>", "alloc:<chain>:<tx>:<log>"),
// so the same event queued twice, through any path, yields one row and one job.
//
// Twilio's Messages API has no idempotency key, so "never twice" needs care at the one point
// where our record and Twilio's can disagree: after Twilio accepted a message and before we
// recorded its SID (a crash, a lost answer, a timeout, a 5xx from a proxy). The protocol of one
// attempt (worker.go):
//
//  1. take a session advisory lock on the message (a job that river rescues while its first run
//     is still alive waits instead of sending in parallel; a dead process's lock dies with its
//     connection);
//  2. if the row says "sending", an earlier attempt's outcome is unknown: list the messages
//     Twilio has for that number and look for ours (same text, created since that attempt,
//     SID not recorded for another row); if found, record it and stop;
//  3. commit state "sending" and the attempt time, then call Twilio;
//  4. record the SID (state "accepted") and erase the text; or, when Twilio certainly did not
//     take the message (429, 4xx), put it back to "pending" so the next attempt need not look.
//
// A status callback also settles the crash window: its URL carries our message id
// (/sms/status?id=N), so the first callback records the SID even if step 4 never ran.
//
// This is at-least-once delivery made exactly-once by looking before resending. Its limit: a
// Twilio message list that lags behind a create, or an attempt whose request reached Twilio only
// after the lookup, could still yield a duplicate; river's rescue delay (Queue.RescueAfter, far
// longer than an attempt) makes the second case require a request older than minutes. The
// alternative, at-most-once (record "sending" and never retry it), would lose a code whenever
// an answer is lost, which is worse for a person at a shop counter. TestCrashBetweenSendAndRecord
// kills a sending process between Twilio's acceptance and the record and checks that exactly
// one message was sent and recorded.
//
// # Codes are not kept
//
// river_job.args holds only the message id. The text (with the code) is sealed with phone.Box
// (AES-256-GCM, the key that seals phone numbers) in sms_outbound.body_enc and set to NULL as
// soon as Twilio has it, or the message is given up, or the code lapses (Config.CodeTTL): a
// database dump holds at most the codes of messages in flight, sealed. The row keeps a preview
// with the code masked. A caller that does not number its codes gets a key holding the first 8
// bytes of keccak256(code), which the contract publishes in full as otpHash anyway.
//
// # The job queue
//
// riverqueue/river on the same Postgres, queue "sms". Its schema is installed by rahat's own
// migrations (store/migrations/0040_river_queue.sql, 0041: river's SQL verbatim, with
// river_migration filled in as rivermigrate would) rather than by rivermigrate at startup, so
// every database rahat creates has the tables before any package inserts a job, under the one
// migration lock; migrate_test.go checks them against rivermigrate's list. Retries back off from
// Queue.RetryBase doubling to Queue.RetryMax, shorter than river's default because a code is
// useful for minutes.
//
// # Allocation notices
//
// A periodic job (scan.go) reads TokensAllocated rows of final blocks (indexer_chains) past a
// cursor in sms_cursors and calls NotifyAllocation in the cursor's transaction. Final blocks only:
// a reorg can undo an allocation but not an SMS.
//
// # Development
//
// Without a Twilio account, outbound messages go to the log (number redacted, code masked) and,
// in full, to an in-memory outbox served at GET /sms/outbox (Config.DevOutbox), so that a
// developer playing a vendor can read the code. Everything else, queue and all, runs as in
// production. `rahat sms send` signs and posts an inbound message like Twilio (play.go).
package sms
