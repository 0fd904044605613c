package sms

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"time"

	twclient "github.com/twilio/twilio-go/client"
	twapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/rahataid/rahat/phone"
)

// outMessage is a message on its way out.
type outMessage struct {
	ID       int64
	Kind     string
	To, Body string
	Callback string // status callback URL; empty for none
	Hash     []byte // the recipient's phone hash, for logs
	Preview  string // the body with any code masked, for logs
}

// submitted is a message Twilio (or the log sender) has.
type submitted struct {
	SID, Status string
	Created     time.Time
}

// transport submits messages. The worker keeps the state; a transport only talks.
type transport interface {
	// send submits m. Errors are *sendError when the transport could classify them.
	send(ctx context.Context, m outMessage) (submitted, error)
	// recent lists the messages submitted to m.To with m's body since the given time, newest
	// first: how a retry finds out whether an attempt whose outcome was lost went through.
	recent(ctx context.Context, m outMessage, since time.Time) ([]submitted, error)
}

// sendError is a failed submission, classified.
type sendError struct {
	status, code int
	msg          string
	// notSent is true when the message certainly was not accepted (429, 4xx): a retry needs no
	// lookup first. False means it may have been (5xx, network, timeout).
	notSent bool
	// permanent is true when retrying cannot help (4xx other than 429).
	permanent bool
}

func (e *sendError) Error() string {
	if e.status == 0 {
		return "sending: " + e.msg
	}
	return fmt.Sprintf("twilio answered %d (error %d): %s", e.status, e.code, e.msg)
}

// numbersRE finds what could be a phone number or a code in an error text, to redact it: Twilio's
// error messages quote the number they refuse.
var numbersRE = regexp.MustCompile(`\+?\d[\d\s-]{4,}\d`)

func redactNumbers(s string) string { return numbersRE.ReplaceAllString(s, "[redacted]") }

// classify turns a twilio-go error into a *sendError.
func classify(err error) *sendError {
	var rest *twclient.TwilioRestError
	if errors.As(err, &rest) {
		se := &sendError{status: rest.Status, code: rest.Code, msg: redactNumbers(rest.Message)}
		switch {
		case rest.Status == http.StatusTooManyRequests:
			se.notSent = true
		case rest.Status >= 400 && rest.Status < 500:
			se.notSent, se.permanent = true, true
		}
		return se
	}
	// Network errors, timeouts and undecodable answers (a proxy's HTML 502): the request may
	// have reached Twilio.
	return &sendError{msg: redactNumbers(err.Error())}
}

// twilioTransport sends through Twilio's Messages API with twilio-go.
type twilioTransport struct {
	api     *twapi.ApiService
	from    string
	service string
	timeout time.Duration
}

// baseURLClient is twilio-go's HTTP client with api.twilio.com replaced by a configured base
// URL (tests point it at sms/internal/twiliofake). twilio-go has no option for it: its services
// carry a fixed base URL, so the replacement happens per request.
type baseURLClient struct {
	*twclient.Client
	base *url.URL
}

func (c *baseURLClient) SendRequest(method, rawURL string, data url.Values, headers map[string]any, body ...byte) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	u.Scheme, u.Host, u.Path = c.base.Scheme, c.base.Host, c.base.Path+u.Path
	return c.Client.SendRequest(method, u.String(), data, headers, body...)
}

func newTwilioTransport(cfg Twilio) (*twilioTransport, error) {
	base, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("sms: Twilio base URL: %w", err)
	}
	base.Path = ""
	c := &twclient.Client{
		Credentials: twclient.NewCredentials(cfg.AccountSID, cfg.AuthToken),
		HTTPClient: &http.Client{
			Timeout:       cfg.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	c.SetAccountSid(cfg.AccountSID)
	rh := twclient.NewRequestHandler(&baseURLClient{Client: c, base: base})
	rh.Edge, rh.Region = "", "" // the base URL decides, not TWILIO_EDGE / TWILIO_REGION
	return &twilioTransport{api: twapi.NewApiService(rh), from: cfg.From, service: cfg.MessagingServiceSID, timeout: cfg.Timeout}, nil
}

// call runs f, which cannot be cancelled (twilio-go takes no context), so that the caller can
// stop waiting when ctx ends; f itself ends within the HTTP client's timeout.
func call[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

func (t *twilioTransport) send(ctx context.Context, m outMessage) (submitted, error) {
	p := &twapi.CreateMessageParams{}
	p.SetTo(m.To).SetBody(m.Body)
	if t.service != "" {
		p.SetMessagingServiceSid(t.service)
	} else {
		p.SetFrom(t.from)
	}
	if m.Callback != "" {
		p.SetStatusCallback(m.Callback)
	}
	msg, err := call(ctx, func() (*twapi.ApiV2010Message, error) { return t.api.CreateMessage(p) })
	if err != nil {
		if ctx.Err() != nil {
			return submitted{}, &sendError{msg: "stopped waiting for Twilio: " + err.Error()}
		}
		return submitted{}, classify(err)
	}
	if msg == nil || msg.Sid == nil {
		return submitted{}, &sendError{msg: "Twilio's answer has no message sid"}
	}
	return submitted{SID: *msg.Sid, Status: deref(msg.Status)}, nil
}

func (t *twilioTransport) recent(ctx context.Context, m outMessage, since time.Time) ([]submitted, error) {
	p := &twapi.ListMessageParams{}
	p.SetTo(m.To).SetPageSize(50)
	if t.service == "" {
		p.SetFrom(t.from)
	}
	// One page, newest first, is enough: the lookup covers the few minutes since an attempt.
	// No DateSent filter: a message still queued at Twilio has no date_sent yet.
	page, err := call(ctx, func() (*twapi.ListMessageResponse, error) { return t.api.PageMessage(p, "", "") })
	if err != nil {
		return nil, classify(err)
	}
	var out []submitted
	for _, msg := range page.Messages {
		if msg.Sid == nil || deref(msg.Body) != m.Body {
			continue
		}
		created, err := time.Parse(time.RFC1123Z, deref(msg.DateCreated))
		if err != nil || created.Before(since) {
			continue
		}
		out = append(out, submitted{SID: *msg.Sid, Status: deref(msg.Status), Created: created})
	}
	return out, nil
}

// logTransport is the sender of `rahat dev`: it "sends" by logging the message (code masked,
// number redacted) and keeping it, in full, for the dev outbox page.
type logTransport struct {
	log    *slog.Logger
	outbox *outbox
}

func (t *logTransport) send(_ context.Context, m outMessage) (submitted, error) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	sub := submitted{SID: "SM" + hex.EncodeToString(b[:]), Status: "delivered", Created: time.Now()}
	t.outbox.add(outboxEntry{At: sub.Created, MessageID: m.ID, Kind: m.Kind, Phone: phone.Redact(m.Hash), Body: m.Body, SID: sub.SID})
	t.log.Info("sms (dev): message sent to the log instead of Twilio", "message", m.ID, "kind", m.Kind,
		"phone", phone.Redact(m.Hash), "segments", Segments(m.Body), "text", m.Preview)
	return sub, nil
}

func (t *logTransport) recent(_ context.Context, m outMessage, since time.Time) ([]submitted, error) {
	var out []submitted
	for _, e := range t.outbox.list() {
		if e.MessageID == m.ID && !e.At.Before(since) {
			out = append(out, submitted{SID: e.SID, Status: "delivered", Created: e.At})
		}
	}
	return out, nil
}
