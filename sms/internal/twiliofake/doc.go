// Package twiliofake is a local stand-in for Twilio in tests and benchmarks: an HTTP server that
// speaks the Messages API's wire format (form-encoded requests, Twilio's JSON resources, pages
// and error objects, HTTP basic auth with the account SID and auth token), so that the real
// twilio-go client can be pointed at it, and that plays Twilio's side of webhooks: it signs the
// requests it makes (inbound messages, calls, status callbacks) the way Twilio does.
//
// Faults are scripted per create call: an error status with Twilio's error JSON, an accepted
// message whose answer is lost (the connection dropped), or one whose answer never comes (the
// request hangs until Release, for a sender to be killed meanwhile).
package twiliofake
