package sms

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rahataid/rahat/phone"
)

// Numbers of the inbound tests: Nepali mobiles as Twilio sends them (E.164).
const (
	numEN      = "+9779801000001"
	numNE      = "+9779801000002"
	numTwo     = "+9779801000003"
	numNone    = "+9779801000004"
	numZero    = "+9779801000005"
	numMulti   = "+9779801000006"
	numUnknown = "+9779801000099"
	numFlood   = "+9779801000007"
	numTwoAddr = "+9779801000008"
)

// inboundWorld registers beneficiaries with every shape of balance and puts their tokens on chain.
func inboundWorld(t *testing.T, limit int) *bundle {
	t.Helper()
	return inboundWorldWith(t, limit, options{})
}

// inboundWorldWith is inboundWorld with options.
func inboundWorldWith(t *testing.T, limit int, o options) *bundle {
	t.Helper()
	// A window so long that none ends during a test (windows are aligned to the epoch).
	o.mutate = func(c *Config) { c.RateLimit = RateLimit{Messages: limit, Window: 1000 * time.Hour} }
	b := setup(t, o)
	b.register(proj1, ben(1), numEN, "en")
	b.register(proj1, ben(2), numNE, "ne")
	b.register(proj1, ben(3), numTwo, "en")
	b.register(proj2, ben(3), numTwo, "en")
	b.register(proj1, ben(4), numNone, "en")
	b.register(proj1, ben(5), numZero, "en")
	b.register(proj1, ben(6), numMulti, "en")
	b.register(proj3, ben(6), numMulti, "en")
	b.register(proj1, ben(7), numFlood, "en")
	b.register(proj1, ben(8), numTwoAddr, "ne") // one person with two addresses; the newer
	b.register(proj3, ben(9), numTwoAddr, "en") // registration's language is used
	b.mine(projectCreated(proj1, tokRHT), projectCreated(proj2, tokUSD), projectCreated(proj3, tokRHT))
	b.mine(
		allocate(proj1, tokRHT, ben(1), rht(500)), mint(tokRHT, ben(1), rht(100)),
		allocate(proj1, tokRHT, ben(2), units(12505, 17)),
		allocate(proj1, tokRHT, ben(3), rht(40)), allocate(proj2, tokUSD, ben(3), usd(2550)),
		allocate(proj1, tokRHT, ben(5), rht(100)),
		allocate(proj1, tokRHT, ben(6), rht(300)), allocate(proj3, tokRHT, ben(6), rht(200)),
		allocate(proj1, tokRHT, ben(7), rht(1)),
		allocate(proj1, tokRHT, ben(8), rht(300)), allocate(proj3, tokRHT, ben(9), rht(200)), mint(tokRHT, ben(9), rht(5)),
	)
	b.mine(offlineClaim(proj1, tokRHT, ben(5), rht(100)))
	return b
}

// TestInboundReplies sends signed webhook requests for every case and checks the TwiML, with
// balances read in the statement that counts the message and from a separate read pool.
func TestInboundReplies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, from, body, want string
	}{
		{"english balance", numEN, "BAL",
			"Rahat balance. RHT: available 600, allocated 500, received 100, claimed 0."},
		{"case, spaces and punctuation", numEN, " b a l. ",
			"Rahat balance. RHT: available 600, allocated 500, received 100, claimed 0."},
		{"the long word", numEN, "Balance",
			"Rahat balance. RHT: available 600, allocated 500, received 100, claimed 0."},
		{"the Nepali word from an English speaker", numEN, "ब्यालेन्स",
			"Rahat balance. RHT: available 600, allocated 500, received 100, claimed 0."},
		{"nepali balance", numNE, "ब्यालेन्स",
			"राहत RHT: उपलब्ध १२५०.५, बाँडफाँट १२५०.५, प्राप्त ०, खर्च ०।"},
		{"nepali speaker texting BAL", numNE, "bal",
			"राहत RHT: उपलब्ध १२५०.५, बाँडफाँट १२५०.५, प्राप्त ०, खर्च ०।"},
		{"several tokens", numTwo, "BAL",
			"Rahat balance. RHT: available 40, allocated 40, received 0, claimed 0. USDX: available 25.5, allocated 25.5, received 0, claimed 0."},
		{"registered, nothing allocated", numNone, "BAL", "Rahat: you have no tokens yet."},
		{"zero balance", numZero, "BAL",
			"Rahat balance. RHT: available 0, allocated 100, received 0, claimed 100."},
		{"one phone in two projects: summed per token", numMulti, "BAL",
			"Rahat balance. RHT: available 500, allocated 500, received 0, claimed 0."},
		{"one phone, two addresses: summed per token", numTwoAddr, "BAL",
			"Rahat balance. RHT: available 505, allocated 500, received 5, claimed 0."},
		{"unknown number", numUnknown, "BAL",
			"Rahat: this number is not registered. Please contact your aid office."},
		{"unknown number writing Nepali", numUnknown, "ब्यालेन्स",
			"राहत: यो नम्बर दर्ता छैन। सहायता कार्यालयमा सम्पर्क गर्नुहोस्।"},
		{"help", numEN, "HELP",
			"Rahat: text BAL for your balance, HELP for this help. Calling this number tells your balance too."},
		{"nepali help", numNE, "मद्दत",
			"राहत: ब्यालेन्स जान्न BAL / ब्यालेन्स पठाउनुहोस्, मद्दतका लागि HELP।"},
		{"anything else gets help", numEN, "hello?",
			"Rahat: text BAL for your balance, HELP for this help. Calling this number tells your balance too."},
		{"an empty message gets help", numNE, "",
			"राहत: ब्यालेन्स जान्न BAL / ब्यालेन्स पठाउनुहोस्, मद्दतका लागि HELP।"},
	}
	modes := []struct {
		name string
		read bool
	}{{"one statement", false}, {"read pool", true}}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			b := inboundWorldWith(t, 100, options{read: mode.read})
			if got := b.svc.read != nil; got != mode.read {
				t.Fatalf("separate read pool in use: %v, want %v", got, mode.read)
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					got := b.reply(tt.from, tt.body)
					if got != tt.want {
						t.Errorf("reply to %q:\n got %q\nwant %q", tt.body, got, tt.want)
					}
					if Segments(got) != 1 {
						t.Errorf("the reply takes %d segments", Segments(got))
					}
				})
			}
		})
	}
}

// TestBalanceJustChanged checks that a reply reflects a block indexed a moment before.
func TestBalanceJustChanged(t *testing.T) {
	t.Parallel()
	b := inboundWorld(t, 5)
	before := b.reply(numEN, "BAL")
	b.mine(offlineClaim(proj1, tokRHT, ben(1), rht(50)), mint(tokRHT, ben(1), rht(7)))
	after := b.reply(numEN, "BAL")
	want := "Rahat balance. RHT: available 557, allocated 500, received 107, claimed 50."
	if after != want || before == after {
		t.Fatalf("after a claim and a transfer:\n got %q\nwant %q (before: %q)", after, want, before)
	}
}

// TestSignatures checks that only requests signed by Twilio for this URL get an answer.
func TestSignatures(t *testing.T) {
	t.Parallel()
	b := inboundWorld(t, 5)
	p := InboundSMS(testAccount, numEN, testFrom, "BAL")
	target := b.srv.URL + "/sms/inbound"
	tests := []struct {
		name   string
		header func() string
		params url.Values
	}{
		{"missing", func() string { return "" }, p},
		{"signed with another token", func() string { return Signature("ffffffffffffffffffffffffffffffff", target, p) }, p},
		{"signed for another URL", func() string { return Signature(testToken, "https://evil.example/sms/inbound", p) }, p},
		{"a parameter changed after signing", func() string { return Signature(testToken, target, p) },
			func() url.Values {
				q := url.Values{}
				for k, v := range p {
					q[k] = v
				}
				q.Set("From", numNE)
				return q
			}()},
		{"garbage", func() string { return "not-a-signature" }, p},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(b.ctx, http.MethodPost, target, strings.NewReader(tt.params.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if s := tt.header(); s != "" {
				req.Header.Set("X-Twilio-Signature", s)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			buf := make([]byte, 512)
			n, _ := resp.Body.Read(buf)
			if resp.StatusCode != http.StatusForbidden || n != 0 {
				t.Fatalf("status %d, body %q; want 403 and nothing", resp.StatusCode, buf[:n])
			}
		})
	}
	// The same request, signed properly, is answered; so is the voice webhook, and both refuse
	// an unsigned call.
	if got := b.reply(numEN, "BAL"); !strings.HasPrefix(got, "Rahat balance.") {
		t.Fatalf("a signed request got %q", got)
	}
	for _, path := range []string{"/sms/voice", "/sms/status"} {
		if status, _ := b.post(path, InboundCall(testAccount, numEN, testFrom), false); status != http.StatusForbidden {
			t.Errorf("unsigned %s: status %d", path, status)
		}
	}
}

// TestFlood checks the per-number rate limit: five answers, one warning, then silence, while
// other numbers are still answered.
func TestFlood(t *testing.T) {
	t.Parallel()
	b := inboundWorld(t, 5)
	for i := range 5 {
		if got := b.reply(numFlood, "BAL"); !strings.HasPrefix(got, "Rahat balance.") {
			t.Fatalf("message %d: %q", i+1, got)
		}
	}
	if got := b.reply(numFlood, "BAL"); got != "Rahat: too many messages. Please wait 60000 minutes and try again." {
		t.Fatalf("first message over the limit: %q", got)
	}
	for i := range 3 {
		status, twiml := b.sms(numFlood, "BAL")
		if status != http.StatusOK || len(parseTwiML(t, twiml).Messages) != 0 {
			t.Fatalf("message %d over the limit: %d %s", i+2, status, twiml)
		}
	}
	if got := b.reply(numEN, "BAL"); !strings.HasPrefix(got, "Rahat balance.") {
		t.Fatalf("another number during the flood: %q", got)
	}
	// The window is kept per phone hash; no number is stored.
	hash, _ := b.phones.Hash(numFlood)
	var n int
	if err := b.db.QueryRow(b.ctx, `SELECT count FROM sms_rate_limits WHERE phone_hash = $1`, hash).Scan(&n); err != nil || n != 9 {
		t.Fatalf("rate-limit count %d, %v", n, err)
	}
	if !strings.Contains(b.logs.String(), "phone="+phone.Redact(hash)) {
		t.Error("the flood's messages are not in the logs under the redacted hash")
	}
}

// TestVoice checks the call webhook: the balance said in the caller's language.
func TestVoice(t *testing.T) {
	t.Parallel()
	b := inboundWorld(t, 5)
	call := func(from string) response {
		t.Helper()
		status, twiml := b.post("/sms/voice", InboundCall(testAccount, from, testFrom), true)
		if status != http.StatusOK {
			t.Fatalf("call: status %d", status)
		}
		return parseTwiML(t, twiml)
	}
	r := call(numEN)
	want := say{Language: "en-IN", Voice: "Polly.Raveena", Loop: "2",
		Text: "Your Rahat balance. R H T: available 600, allocated 500, received 100, claimed 0."}
	if len(r.Says) != 1 || r.Says[0] != want || r.Hangup == nil {
		t.Fatalf("English call: %+v", r)
	}
	r = call(numNE)
	if len(r.Says) != 1 || r.Says[0].Language != "hi-IN" || r.Says[0].Voice != "Polly.Aditi" ||
		r.Says[0].Text != "तपाईंको राहत ब्यालेन्स। R H T: उपलब्ध १२५०.५, बाँडफाँट १२५०.५, प्राप्त ०, खर्च ०।" {
		t.Fatalf("Nepali call: %+v", r)
	}
	r = call(numUnknown)
	if len(r.Says) != 1 || !strings.Contains(r.Says[0].Text, "not registered") {
		t.Fatalf("unknown caller: %+v", r)
	}
}
