package sms

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

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

// answerSQL is a balance check's one round trip. It counts a message in its number's current
// fixed window (database time, so that every replica agrees on the windows), reads the number's
// registrations and, when $4 asks for them and the count is within the limit $5, their balance
// (lineSQL), in one statement on the primary (it writes). It returns one row per token of the
// balance, or one row without a token, each with the count, the newest registration's language
// (NULL for an unknown number; replies use it) and the registrations' distinct addresses (for
// balancesSQL, when balances come from Config.Read instead).
const answerSQL = `
WITH hit AS (
    INSERT INTO sms_rate_limits AS r (phone_hash, window_start, count)
    VALUES ($2, to_timestamp(floor(extract(epoch FROM now()) / $3) * $3), 1)
    ON CONFLICT (phone_hash) DO UPDATE SET
        count = CASE WHEN r.window_start = EXCLUDED.window_start THEN r.count + 1 ELSE 1 END,
        window_start = EXCLUDED.window_start
    RETURNING count
), reg AS (
    SELECT id, address, language, created_at FROM reg_beneficiaries WHERE phone_hash = $2 AND chain_id = $1
), addr AS (
    SELECT DISTINCT address FROM reg WHERE $4 AND (SELECT count FROM hit) <= $5::int8
),` + lineSQL + `
SELECT hit.count,
       (SELECT language FROM reg ORDER BY created_at DESC, id DESC LIMIT 1),
       (SELECT array_agg(DISTINCT address) FROM reg),
       line.token, line.symbol, line.decimals, line.available, line.allocated, line.received, line.claimed
FROM hit LEFT JOIN line ON true
ORDER BY line.symbol NULLS LAST, line.token`

// found is what answerSQL found for a message's number.
type found struct {
	limit limit
	lang  string   // the newest registration's language; "" for an unknown number
	addrs [][]byte // the registrations' distinct addresses
	lines []tokenLine
}

// lookup counts one inbound message or call of a number and reads the number's registrations
// and, with withBalance (and no separate read pool), its balance, in one round trip.
func (s *Service) lookup(ctx context.Context, hash []byte, withBalance bool) (found, error) {
	var f found
	rows, err := s.db.Query(ctx, answerSQL, int64(s.cfg.ChainID), hash, s.cfg.RateLimit.Window.Seconds(),
		withBalance && s.read == nil, int64(s.cfg.RateLimit.Messages))
	if err != nil {
		return f, fmt.Errorf("counting a message and reading its registrations: %w", err)
	}
	defer rows.Close()
	var n int64
	var lang *string
	for rows.Next() {
		var c lineColumns
		if err := rows.Scan(append([]any{&n, &lang, &f.addrs}, c.dest()...)...); err != nil {
			return f, fmt.Errorf("counting a message and reading its registrations: %w", err)
		}
		if err := c.appendTo(&f.lines); err != nil {
			return f, fmt.Errorf("reading balances: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return f, fmt.Errorf("counting a message and reading its registrations: %w", err)
	}
	sortLines(f.lines)
	f.lang = deref(lang)
	switch limit := int64(s.cfg.RateLimit.Messages); {
	case n <= limit:
		f.limit = underLimit
	case n == limit+1:
		f.limit = justOver
	default:
		f.limit = silenced
	}
	return f, nil
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
	// A call always asks for the balance; a message only with a balance word (else it gets help).
	askingBalance := channel != "sms" || s.words.classify(body) == askBalance
	f, err := s.lookup(ctx, hash, askingBalance)
	switch {
	case err != nil:
		return hash, fail(err)
	case f.lang != "":
		guess = f.lang // a warning goes in the registered language
	}
	switch f.limit {
	case justOver:
		return hash, reply{text: rateLimitedText(guess, int((s.cfg.RateLimit.Window+time.Minute-1)/time.Minute)),
			lang: guess, outcome: "rate_limited"}
	case silenced:
		return hash, reply{outcome: "silenced"}
	}
	if f.lang == "" {
		return hash, reply{text: unknownText(guess), lang: guess, outcome: "unknown_number"}
	}
	if !askingBalance {
		return hash, reply{text: helpText(f.lang, s.cfg.Words), lang: f.lang, outcome: "help"}
	}
	lines := f.lines
	if s.read != nil {
		if lines, err = readBalances(ctx, s.read, s.cfg.ChainID, f.addrs); err != nil {
			return hash, fail(err)
		}
	}
	return hash, reply{text: balanceText(f.lang, lines), lang: f.lang, outcome: "balance", lines: lines}
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
