package sms

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/rahataid/rahat/phone"
)

// maxWebhookBody bounds a webhook's form: Twilio's are a few hundred bytes.
const maxWebhookBody = 64 << 10

// verified parses the form of a Twilio webhook and checks its X-Twilio-Signature against the
// URL Twilio was configured with: PublicURL + the request's path and query. Only the POST body's
// parameters are signed (the query is part of the URL). A request that fails gets 403 and no
// answer; false is returned and the response is already written.
func (s *Service) verified(w http.ResponseWriter, r *http.Request, channel string) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxWebhookBody)
	if err := r.ParseForm(); err != nil {
		s.m.inbound.WithLabelValues(channel, "bad_request").Inc()
		http.Error(w, "bad request", http.StatusBadRequest)
		return false
	}
	sig := r.Header.Get("X-Twilio-Signature")
	url := s.cfg.PublicURL + r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		url += "?" + r.URL.RawQuery
	}
	params := make(map[string]string, len(r.PostForm))
	for k, v := range r.PostForm {
		params[k] = v[0]
	}
	if sig == "" || !s.validator.Validate(url, params, sig) {
		s.m.inbound.WithLabelValues(channel, "forbidden").Inc()
		s.log.Warn("sms: webhook with a missing or invalid Twilio signature refused",
			"path", r.URL.Path, "remote", r.RemoteAddr, "signed", sig != "")
		w.WriteHeader(http.StatusForbidden)
		return false
	}
	return true
}

// limit is the outcome of counting a message against its number's rate limit.
type limit int

const (
	underLimit limit = iota
	justOver         // the first message over the limit: warn once
	silenced         // later ones: no answer
)

// hitSQL counts a message in its number's current fixed window (database time, so that every
// replica agrees on the windows) and, in the same round trip, reads the number's registrations,
// newest first (its language is the one replies use). It returns one row per registration, or
// one row of NULLs for an unknown number, each with the count so far.
const hitSQL = `
WITH hit AS (
    INSERT INTO sms_rate_limits AS r (phone_hash, window_start, count)
    VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
    ON CONFLICT (phone_hash) DO UPDATE SET
        count = CASE WHEN r.window_start = EXCLUDED.window_start THEN r.count + 1 ELSE 1 END,
        window_start = EXCLUDED.window_start
    RETURNING count
)
SELECT hit.count, b.id, b.address, b.language
FROM hit LEFT JOIN reg_beneficiaries b ON b.phone_hash = $1 AND b.chain_id = $3
ORDER BY b.created_at DESC, b.id DESC`

// hit counts one inbound message or call of a number and returns the number's registrations.
func (s *Service) hit(ctx context.Context, hash []byte) (limit, []registration, error) {
	rows, err := s.db.Query(ctx, hitSQL, hash, s.cfg.RateLimit.Window.Seconds(), int64(s.cfg.ChainID))
	if err != nil {
		return underLimit, nil, fmt.Errorf("counting a message and reading its registrations: %w", err)
	}
	var n int
	var regs []registration
	for rows.Next() {
		var id *int64
		var addr []byte
		var lang *string
		if err := rows.Scan(&n, &id, &addr, &lang); err != nil {
			rows.Close()
			return underLimit, nil, fmt.Errorf("counting a message and reading its registrations: %w", err)
		}
		if id != nil {
			regs = append(regs, registration{ID: *id, Address: common.BytesToAddress(addr), Language: *lang})
		}
	}
	if err := rows.Err(); err != nil {
		return underLimit, nil, fmt.Errorf("counting a message and reading its registrations: %w", err)
	}
	switch {
	case n <= s.cfg.RateLimit.Messages:
		return underLimit, regs, nil
	case n == s.cfg.RateLimit.Messages+1:
		return justOver, regs, nil
	}
	return silenced, regs, nil
}

// reply is what a webhook decided: the text, its language and the outcome for metrics and logs.
type reply struct {
	text, lang, outcome string
	lines               []tokenLine // the balance, for the voice channel
}

// answer decides the reply to a message (channel "sms") or a call ("voice") from a number. It
// never returns an error: a failure becomes the "try later" reply and is logged.
func (s *Service) answer(ctx context.Context, channel, from, body string) (hash []byte, rep reply) {
	hash, err := s.cfg.Phones.Hash(from)
	if err != nil {
		// Short codes, alphanumeric senders and garbage: nothing to look up and nobody to answer.
		return nil, reply{outcome: "bad_request"}
	}
	guess := scriptLanguage(body)
	fail := func(err error) reply {
		s.log.Error("sms: answering a webhook failed", "channel", channel, "phone", phone.Redact(hash), "err", err)
		return reply{text: unavailableText(guess), lang: guess, outcome: "error"}
	}
	l, regs, err := s.hit(ctx, hash)
	switch {
	case err != nil:
		return hash, fail(err)
	case len(regs) > 0:
		guess = regs[0].Language // a warning goes in the registered language
	}
	switch l {
	case justOver:
		return hash, reply{text: rateLimitedText(guess, int((s.cfg.RateLimit.Window+time.Minute-1)/time.Minute)),
			lang: guess, outcome: "rate_limited"}
	case silenced:
		return hash, reply{outcome: "silenced"}
	}
	if len(regs) == 0 {
		return hash, reply{text: unknownText(guess), lang: guess, outcome: "unknown_number"}
	}
	lang := regs[0].Language
	if channel == "sms" && s.words.classify(body) != askBalance {
		return hash, reply{text: helpText(lang, s.cfg.Words), lang: lang, outcome: "help"}
	}
	lines, err := s.balances(ctx, regs)
	if err != nil {
		return hash, fail(err)
	}
	return hash, reply{text: balanceText(lang, lines), lang: lang, outcome: "balance", lines: lines}
}

// handleInbound answers an SMS (Twilio's messaging webhook) with TwiML.
func (s *Service) handleInbound(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	defer func() { s.m.latency.WithLabelValues("sms").Observe(time.Since(start).Seconds()) }()
	if !s.verified(w, r, "sms") {
		return
	}
	hash, rep := s.answer(r.Context(), "sms", r.PostForm.Get("From"), r.PostForm.Get("Body"))
	s.m.inbound.WithLabelValues("sms", rep.outcome).Inc()
	if s.log.Enabled(r.Context(), slog.LevelDebug) {
		s.log.Debug("sms: inbound message answered", "phone", phone.Redact(hash), "outcome", rep.outcome,
			"segments", Segments(rep.text), "took", time.Since(start))
	}
	writeTwiML(w, messageTwiML(rep.text))
}

// handleVoice answers a call (Twilio's voice webhook): it says the balance and hangs up.
func (s *Service) handleVoice(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	defer func() { s.m.latency.WithLabelValues("voice").Observe(time.Since(start).Seconds()) }()
	if !s.verified(w, r, "voice") {
		return
	}
	hash, rep := s.answer(r.Context(), "voice", r.PostForm.Get("From"), "")
	s.m.inbound.WithLabelValues("voice", rep.outcome).Inc()
	s.log.Debug("sms: call answered", "phone", phone.Redact(hash), "outcome", rep.outcome, "took", time.Since(start))
	lang, t := textsFor(rep.lang)
	voice := s.cfg.Voices[lang]
	switch rep.outcome {
	case "balance":
		writeTwiML(w, sayTwiML(voiceText(lang, rep.lines), voice, 2))
	case "unknown_number":
		writeTwiML(w, sayTwiML(t.voiceUnknown, voice, 1))
	case "rate_limited":
		writeTwiML(w, sayTwiML(t.voiceRateLimit, voice, 1))
	case "error":
		writeTwiML(w, sayTwiML(rep.text, voice, 1))
	default:
		writeTwiML(w, hangupTwiML())
	}
}
