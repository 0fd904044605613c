package sms

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rahataid/rahat/indexer/entity"
	"github.com/rahataid/rahat/phone"
)

// DevAuthToken is the Twilio auth token `rahat dev` signs and checks webhooks with when none is
// configured, and the one `rahat sms send` signs with by default. It has Twilio's shape (32 hex
// digits) so that the same code paths run; it must never be used with a real account.
const DevAuthToken = "00000000000000000000000000de7de7"

// Config configures a Service. Zero fields take the defaults documented on them.
type Config struct {
	// DB is the primary database: outbound messages, the job queue, rate limits. Required.
	DB *pgxpool.Pool
	// Read serves balance reads (a replica is fine); nil reads from DB. A balance check reads from
	// DB in the one statement that also counts it against the rate limit; a separate Read pool
	// costs it a second round trip.
	Read entity.Querier
	// ChainID is the chain whose indexed balances are reported and whose allocations are announced.
	ChainID uint64
	// Phones hashes the sender of an inbound message to find the beneficiary. Required.
	Phones *phone.Hasher
	// Box opens the sealed numbers of beneficiaries and seals outbound texts. Required.
	Box *phone.Box
	// Twilio is the account messages go through. Without an AccountSID (allowed only with
	// DevOutbox), outbound messages go to the log and the dev outbox instead: that is `rahat dev`.
	Twilio Twilio
	// PublicURL is the URL at which Twilio reaches this server's root, e.g.
	// "https://rahat.example.org" when Twilio is configured with
	// "https://rahat.example.org/sms/inbound". Signatures are computed over it, and status
	// callbacks are requested at PublicURL + "/sms/status". Required.
	PublicURL string
	// Words are the words beneficiaries text.
	Words Words
	// RateLimit bounds inbound messages per number.
	RateLimit RateLimit
	// Voices chooses the text-to-speech voice of each language for the voice webhook.
	Voices map[string]Voice
	// CodeTTL is how long a claim code is worth sending: an attempt after it gives up (default 15m).
	CodeTTL time.Duration
	// Notices configures allocation notices.
	Notices Notices
	// Queue tunes the job queue that sends messages.
	Queue Queue
	// DevOutbox serves GET /sms/outbox, a page of the messages the log sender "sent", codes
	// included, and allows running without a Twilio account. For `rahat dev` only.
	DevOutbox bool
	// Logger receives the service's logs (numbers redacted); nil discards them.
	Logger *slog.Logger
	// Registry receives the rahat_sms_* collectors; nil uses a private registry.
	Registry *prometheus.Registry

	// testHooks lets this package's tests tweak what no operator should (see service.go).
	testHooks *testHooks
}

// Twilio is a Twilio account.
type Twilio struct {
	// AccountSID is the account (AC...). Empty selects the log sender (DevOutbox only).
	AccountSID string
	// AuthToken signs webhooks and authenticates REST calls. Secret: give it through the
	// environment. Required (`rahat dev` uses DevAuthToken).
	AuthToken string
	// From is the number (or alphanumeric sender id) messages are sent from.
	From string
	// MessagingServiceSID, when set, sends through a messaging service (MG...) instead of From.
	MessagingServiceSID string
	// BaseURL replaces https://api.twilio.com (tests point it at a fake).
	BaseURL string
	// Timeout bounds one REST call (default 10s).
	Timeout time.Duration
}

// Words are the keywords of inbound messages. Case, spaces, punctuation and symbols are ignored
// when matching, so "Bal.", "b a l" and "BAL" are one word.
type Words struct {
	// Balance asks for the balance (default BAL, BALANCE, ब्यालेन्स, ब्यालेंस, मौज्दात).
	Balance []string
	// Help asks what can be asked (default HELP, मद्दत, सहायता). An empty message is help too.
	Help []string
}

// RateLimit bounds the inbound messages of one number: Messages per Window. The first message
// over the limit gets a warning, the following ones no answer, until the window ends.
type RateLimit struct {
	Messages int           // default 5
	Window   time.Duration // default 10m
}

// Voice is a Twilio <Say> voice.
type Voice struct {
	Language string // e.g. "en-IN"
	Voice    string // e.g. "Polly.Aditi"; empty lets Twilio choose
}

// Notices configures allocation notices.
type Notices struct {
	// Disabled stops the scanner that announces new allocations (NotifyAllocation still works).
	Disabled bool
	// Interval is how often the scanner looks for final TokensAllocated events (default 15s).
	Interval time.Duration
}

// Queue tunes the river job queue that sends messages.
type Queue struct {
	// Workers is the number of messages sent at once (default 4). Each holds a database
	// connection while it talks to Twilio.
	Workers int
	// MaxAttempts bounds the attempts of one message (default 12).
	MaxAttempts int
	// RetryBase and RetryMax shape the backoff: RetryBase * 2^(attempt-1), at most RetryMax,
	// ±10% jitter (defaults 2s and 5m).
	RetryBase, RetryMax time.Duration
	// JobTimeout bounds one attempt (default 30s).
	JobTimeout time.Duration
	// RescueAfter is how long an attempt may look alive before another process takes the message
	// over, e.g. after a crash (default 2m; must exceed JobTimeout + Twilio.Timeout).
	RescueAfter time.Duration
	// FetchPollInterval is how often idle workers look for work besides LISTEN/NOTIFY (default 1s).
	FetchPollInterval time.Duration
}

// DefaultWords returns the default keywords.
func DefaultWords() Words {
	return Words{
		Balance: []string{"BAL", "BALANCE", "ब्यालेन्स", "ब्यालेंस", "मौज्दात"},
		Help:    []string{"HELP", "मद्दत", "सहायता"},
	}
}

// DefaultVoices returns the default voices. Twilio offers no Nepali text-to-speech voice (see
// docs/sms.md), so Nepali texts are read by a Hindi voice, which reads Devanagari and whose
// numbers Nepali speakers follow; operators may configure a Nepali voice should one appear.
func DefaultVoices() map[string]Voice {
	return map[string]Voice{
		"en": {Language: "en-IN", Voice: "Polly.Raveena"},
		"ne": {Language: "hi-IN", Voice: "Polly.Aditi"},
	}
}

func (c Config) withDefaults() Config {
	if c.Read == nil && c.DB != nil {
		c.Read = c.DB
	}
	def := DefaultWords()
	if len(c.Words.Balance) == 0 {
		c.Words.Balance = def.Balance
	}
	if len(c.Words.Help) == 0 {
		c.Words.Help = def.Help
	}
	c.RateLimit.Messages = cmp.Or(c.RateLimit.Messages, 5)
	c.RateLimit.Window = cmp.Or(c.RateLimit.Window, 10*time.Minute)
	voices := DefaultVoices()
	for k, v := range c.Voices {
		voices[k] = v
	}
	c.Voices = voices
	c.CodeTTL = cmp.Or(c.CodeTTL, 15*time.Minute)
	c.Notices.Interval = cmp.Or(c.Notices.Interval, 15*time.Second)
	c.Twilio.Timeout = cmp.Or(c.Twilio.Timeout, 10*time.Second)
	c.Twilio.BaseURL = strings.TrimRight(cmp.Or(c.Twilio.BaseURL, "https://api.twilio.com"), "/")
	q := &c.Queue
	q.Workers = cmp.Or(q.Workers, 4)
	q.MaxAttempts = cmp.Or(q.MaxAttempts, 12)
	q.RetryBase = cmp.Or(q.RetryBase, 2*time.Second)
	q.RetryMax = cmp.Or(q.RetryMax, 5*time.Minute)
	q.JobTimeout = cmp.Or(q.JobTimeout, 30*time.Second)
	q.RescueAfter = cmp.Or(q.RescueAfter, 2*time.Minute)
	q.FetchPollInterval = cmp.Or(q.FetchPollInterval, time.Second)
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Registry == nil {
		c.Registry = prometheus.NewRegistry()
	}
	return c
}

// Validate reports what is missing or wrong, all at once.
func (c Config) Validate() error {
	var errs []error
	if c.DB == nil {
		errs = append(errs, errors.New("sms: DB is required"))
	}
	if c.Phones == nil {
		errs = append(errs, errors.New("sms: Phones (the phone hasher) is required"))
	}
	if c.Box == nil {
		errs = append(errs, errors.New("sms: Box (the phone encryption box) is required"))
	}
	if c.ChainID == 0 {
		errs = append(errs, errors.New("sms: ChainID is required"))
	}
	if c.Twilio.AuthToken == "" {
		errs = append(errs, errors.New("sms: Twilio.AuthToken is required: webhooks are always signature-checked (rahat dev uses sms.DevAuthToken)"))
	}
	if c.Twilio.AccountSID == "" && !c.DevOutbox {
		// The log sender would swallow every code: only development may go without an account.
		errs = append(errs, errors.New("sms: Twilio.AccountSID is required to send (without it, set DevOutbox: development only)"))
	}
	// twilio-go refuses, message by message, credentials that are not letters and digits (as
	// Twilio's are): say so at start rather than give up on every code.
	if c.Twilio.AccountSID != "" && !alnum(c.Twilio.AccountSID) {
		errs = append(errs, errors.New("sms: Twilio.AccountSID must be letters and digits (AC followed by 32 hex digits)"))
	}
	if c.Twilio.AccountSID != "" && !alnum(c.Twilio.AuthToken) {
		errs = append(errs, errors.New("sms: Twilio.AuthToken must be letters and digits, as Twilio's are (a copy-paste error?)"))
	}
	if c.Twilio.AccountSID != "" && c.Twilio.From == "" && c.Twilio.MessagingServiceSID == "" {
		errs = append(errs, errors.New("sms: Twilio.From or Twilio.MessagingServiceSID is required to send"))
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("sms: PublicURL %q must be an absolute http(s) URL (where Twilio reaches this server)", c.PublicURL))
	}
	if u, err := url.Parse(c.Twilio.BaseURL); c.Twilio.BaseURL != "" && (err != nil || u.Host == "") {
		errs = append(errs, fmt.Errorf("sms: Twilio.BaseURL %q is not an absolute URL", c.Twilio.BaseURL))
	}
	for _, w := range append(append([]string(nil), c.Words.Balance...), c.Words.Help...) {
		if normalizeWord(w) == "" {
			errs = append(errs, fmt.Errorf("sms: the word %q has no letters", w))
		}
	}
	if c.RateLimit.Messages < 0 || c.RateLimit.Window < 0 {
		errs = append(errs, errors.New("sms: RateLimit must not be negative"))
	}
	q := c.Queue
	if q.Workers < 1 || q.MaxAttempts < 1 || q.RetryBase <= 0 || q.RetryMax < q.RetryBase {
		errs = append(errs, errors.New("sms: Queue needs Workers >= 1, MaxAttempts >= 1, 0 < RetryBase <= RetryMax"))
	}
	if q.RescueAfter <= q.JobTimeout+c.Twilio.Timeout {
		errs = append(errs, fmt.Errorf("sms: Queue.RescueAfter (%s) must exceed JobTimeout + Twilio.Timeout (%s)",
			q.RescueAfter, q.JobTimeout+c.Twilio.Timeout))
	}
	return errors.Join(errs...)
}

// alnum reports a non-empty string of ASCII letters and digits.
func alnum(s string) bool {
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return s != ""
}
