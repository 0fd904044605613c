package sms

import (
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"sync"
	"time"
)

// outbox keeps the last messages the log sender "sent", for GET /sms/outbox in `rahat dev`:
// there, a developer playing a vendor needs the code the beneficiary would have received.
type outbox struct {
	mu      sync.Mutex
	max     int
	entries []outboxEntry // oldest first
}

// outboxEntry is one message of the dev outbox. Phone is the redacted hash: even in development
// the page shows no number.
type outboxEntry struct {
	At        time.Time `json:"at"`
	MessageID int64     `json:"message_id"`
	Kind      string    `json:"kind"`
	Phone     string    `json:"phone"`
	Body      string    `json:"body"`
	SID       string    `json:"sid"`
}

func newOutbox(max int) *outbox { return &outbox{max: max} }

func (o *outbox) add(e outboxEntry) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.entries = append(o.entries, e)
	if len(o.entries) > o.max {
		o.entries = slices.Delete(o.entries, 0, len(o.entries)-o.max)
	}
}

// list returns the entries, newest first.
func (o *outbox) list() []outboxEntry {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := slices.Clone(o.entries)
	slices.Reverse(out)
	return out
}

var outboxPage = template.Must(template.New("outbox").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>rahat dev: SMS outbox</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:.3em .8em;text-align:left;vertical-align:top}
tr:nth-child(even){background:#f4f4f4}.body{font-family:monospace;white-space:pre-wrap}</style></head>
<body><h1>SMS outbox (development)</h1>
{{if .Twilio}}<p>Messages go through Twilio; this page shows only what the log sender keeps.</p>{{end}}
<p>The last {{len .Entries}} messages the log sender would have sent, newest first. JSON: <a href="?format=json">?format=json</a>.</p>
<table><tr><th>time</th><th>message</th><th>kind</th><th>phone (hash)</th><th>text</th></tr>
{{range .Entries}}<tr><td>{{.At.Format "15:04:05"}}</td><td>{{.MessageID}}</td><td>{{.Kind}}</td><td>{{.Phone}}</td><td class="body">{{.Body}}</td></tr>
{{end}}</table></body></html>`))

// handleOutbox serves the dev outbox page (DevOutbox only).
func (s *Service) handleOutbox(w http.ResponseWriter, r *http.Request) {
	var entries []outboxEntry
	if s.outbox != nil {
		entries = s.outbox.list()
	}
	w.Header().Set("Cache-Control", "no-store")
	if r.URL.Query().Get("format") == "json" {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(struct {
			Messages []outboxEntry `json:"messages"`
		}{Messages: append([]outboxEntry{}, entries...)})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = outboxPage.Execute(w, struct {
		Twilio  bool
		Entries []outboxEntry
	}{s.outbox == nil, entries})
}
