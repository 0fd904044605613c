package sms

import (
	"math/big"
	"strings"
	"testing"
	"time"
)

func units(whole int64, decimals uint8) *big.Int {
	return new(big.Int).Mul(big.NewInt(whole), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(decimals)), nil))
}

func TestFormatAmount(t *testing.T) {
	t.Parallel()
	big18 := func(s string) *big.Int { v, _ := new(big.Int).SetString(s, 10); return v }
	tests := []struct {
		v    *big.Int
		dec  uint8
		want string
	}{
		{big.NewInt(0), 18, "0"},
		{big.NewInt(1250), 0, "1250"},
		{big18("1250500000000000000000"), 18, "1250.5"},
		{big18("1250509999999999999999"), 18, "1250.5"}, // truncated, never rounded up
		{big18("999"), 18, "0"},
		{big.NewInt(5), 1, "0.5"},
		{big.NewInt(12345), 2, "123.45"},
		{big.NewInt(-12345), 2, "-123.45"},
		{nil, 2, "0"},
	}
	for _, tt := range tests {
		if got := formatAmount(tt.v, tt.dec); got != tt.want {
			t.Errorf("formatAmount(%v, %d) = %q, want %q", tt.v, tt.dec, got, tt.want)
		}
	}
	if got := localDigits(langNE, "1250.5"); got != "१२५०.५" {
		t.Errorf("Nepali digits: %q", got)
	}
}

func TestMeasure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body     string
		enc      Encoding
		units    int
		segments int
	}{
		{"BAL", GSM7, 3, 1},
		{strings.Repeat("a", 160), GSM7, 160, 1},
		{strings.Repeat("a", 161), GSM7, 161, 2},
		{strings.Repeat("€", 80), GSM7, 160, 1}, // extension characters take two septets
		{strings.Repeat("a", 70) + "क", UCS2, 71, 2},
		{strings.Repeat("क", 70), UCS2, 70, 1},
		{"🙂", UCS2, 2, 1}, // a surrogate pair is two UCS-2 units
	}
	for _, tt := range tests {
		enc, n, s := Measure(tt.body)
		if enc != tt.enc || n != tt.units || s != tt.segments {
			t.Errorf("Measure(%.20q) = %s %d %d, want %s %d %d", tt.body, enc, n, s, tt.enc, tt.units, tt.segments)
		}
	}
}

// TestTextsFitOneSegment renders every message with realistic amounts in both languages and checks
// that it fits one SMS segment, which is what the wording was trimmed for.
func TestTextsFitOneSegment(t *testing.T) {
	t.Parallel()
	rht := tokenLine{Symbol: "RHT", Decimals: 18, Available: units(1250, 18), Allocated: units(20000, 18),
		Received: units(300, 18), Claimed: units(10495, 17)}
	usd := tokenLine{Symbol: "USDX", Decimals: 2, Available: big.NewInt(3050), Allocated: big.NewInt(5000),
		Received: big.NewInt(0), Claimed: big.NewInt(1950)}
	w := DefaultWords()
	for _, lang := range []string{langEN, langNE} {
		msgs := map[string]string{
			"balance, one token":   balanceText(lang, []tokenLine{rht}),
			"balance, two tokens":  balanceText(lang, []tokenLine{rht, usd}),
			"balance, none":        balanceText(lang, nil),
			"help":                 helpText(lang, w),
			"unknown":              unknownText(lang),
			"rate limited":         rateLimitedText(lang, 10),
			"unavailable":          unavailableText(lang),
			"claim code":           claimCodeText(lang, units(2550, 16), 18, "RHT", "482913"),
			"allocation":           allocationText(lang, units(20000, 18), 18, "RHT", w),
			"balance, five tokens": balanceText(lang, []tokenLine{rht, usd, rht, usd, rht}),
		}
		for name, m := range msgs {
			enc, n, seg := Measure(m)
			t.Logf("%s %-22s %s %3d: %s", lang, name, enc, n, m)
			if seg != 1 {
				t.Errorf("%s %s takes %d segments (%s, %d units): %q", lang, name, seg, enc, n, m)
			}
			if lang == langNE && strings.ContainsAny(strings.ReplaceAll(m, "482913", ""), "0123456789") {
				t.Errorf("%s %s has ASCII digits: %q", lang, name, m)
			}
		}
	}
	// The one-token reply keeps every amount with its label in both languages.
	if got := balanceText(langEN, []tokenLine{rht}); !strings.Contains(got, "claimed 1049.5") {
		t.Errorf("English one-token reply lost detail: %q", got)
	}
	if got := balanceText(langNE, []tokenLine{rht}); !strings.Contains(got, "खर्च १०४९.५") {
		t.Errorf("Nepali one-token reply lost detail: %q", got)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	ws := newWordSet(DefaultWords())
	tests := []struct {
		body string
		want intent
	}{
		{"BAL", askBalance}, {"bal", askBalance}, {" b a l ", askBalance}, {"Bal.", askBalance},
		{"BALANCE!", askBalance}, {"ब्यालेन्स", askBalance}, {" ब्यालेन्स ।", askBalance},
		{"HELP", askHelp}, {"help?", askHelp}, {"मद्दत", askHelp}, {"", askHelp}, {"?", askHelp},
		{"hello", askOther}, {"BAL 1234", askOther},
	}
	for _, tt := range tests {
		if got := ws.classify(tt.body); got != tt.want {
			t.Errorf("classify(%q) = %d, want %d", tt.body, got, tt.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	err := Config{PublicURL: "rahat.example.org"}.withDefaults().Validate()
	for _, want := range []string{"DB is required", "Phones", "Box", "ChainID", "AuthToken", "AccountSID is required", "PublicURL"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to mention %q", err, want)
		}
	}
	err = Config{Twilio: Twilio{AccountSID: "AC1", AuthToken: "x"}, Queue: Queue{JobTimeout: time.Minute, RescueAfter: time.Minute}}.withDefaults().Validate()
	for _, want := range []string{"From or Twilio.MessagingServiceSID", "RescueAfter"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to mention %q", err, want)
		}
	}
	// Credentials twilio-go would refuse on every message are refused at start.
	err = Config{Twilio: Twilio{AccountSID: "AC-1", AuthToken: "tok en\n", From: "+15005550006"}}.withDefaults().Validate()
	for _, want := range []string{"AccountSID must be letters and digits", "AuthToken must be letters and digits"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to mention %q", err, want)
		}
	}
}
