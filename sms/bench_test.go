package sms

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// BenchmarkInboundBalance measures a signed balance check through the webhook handler, in
// parallel, against a real Postgres (see bench/sms.go for the load test with a baseline).
func BenchmarkInboundBalance(b *testing.B) {
	w := inboundWorldB(b)
	target := w.srv.URL + "/sms/inbound"
	p := InboundSMS(testAccount, numEN, testFrom, "BAL")
	body, sig := p.Encode(), w.fake.Sign(target, p)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Twilio-Signature", sig)
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}

// inboundWorldB is inboundWorld for a benchmark: no rate limit in reach.
func inboundWorldB(b *testing.B) *bundle {
	b.Helper()
	w := setup(b, options{mutate: func(c *Config) { c.RateLimit = RateLimit{Messages: 1 << 30, Window: time.Hour} }})
	w.register(proj1, ben(1), numEN, "en")
	w.mine(projectCreated(proj1, tokRHT))
	w.mine(allocate(proj1, tokRHT, ben(1), rht(500)), mint(tokRHT, ben(1), rht(100)))
	return w
}
