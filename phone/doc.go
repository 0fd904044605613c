// Package phone normalises beneficiaries' phone numbers and turns them into keyed hashes, the only form
// in which rahat stores or compares them. A number is parsed with libphonenumber's rules (through
// nyaruka/phonenumbers) into E.164, then hashed with HMAC-SHA256 under a secret key, so that a leaked
// database reveals no numbers and cannot be reversed by hashing every possible number without the key.
//
// For outbound messages a number is also kept sealed with AES-256-GCM (Box) under a second key. Numbers
// never reach a log: Redact gives the form that may be logged.
package phone
