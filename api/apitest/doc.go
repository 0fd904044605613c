// Package apitest provides fixtures for tests and benchmarks of the command API (package api): a
// pool of pre-made vendor keys, and a CodeSender that records codes in a table, as the SMS
// service's durable queue would (their funded projects come from workload.DeployProject). It is
// a public package (like net/http/httptest) because bench/ uses it too; nothing in production
// imports it.
package apitest
