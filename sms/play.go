package sms

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Signature computes Twilio's X-Twilio-Signature of a webhook request: HMAC-SHA1, keyed with the
// auth token, of the full URL followed by every POST parameter's name and value in name order,
// base64-encoded. `rahat sms send` and the benchmark sign with it; the webhooks check with
// twilio-go's RequestValidator.
func Signature(authToken, fullURL string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range keys {
		for _, v := range params[k] {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	m := hmac.New(sha1.New, []byte(authToken))
	m.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func randomSID(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// InboundSMS returns the parameters Twilio posts to a messaging webhook for a text from one
// number to another.
func InboundSMS(accountSID, from, to, body string) url.Values {
	sid := randomSID("SM")
	return url.Values{
		"ToCountry": {""}, "ToState": {""}, "SmsMessageSid": {sid}, "NumMedia": {"0"}, "ToCity": {""},
		"FromZip": {""}, "SmsSid": {sid}, "FromState": {""}, "SmsStatus": {"received"}, "FromCity": {""},
		"Body": {body}, "FromCountry": {""}, "To": {to}, "ToZip": {""}, "NumSegments": {"1"},
		"MessageSid": {sid}, "AccountSid": {accountSID}, "From": {from}, "ApiVersion": {"2010-04-01"},
	}
}

// InboundCall returns the parameters Twilio posts to a voice webhook for a call.
func InboundCall(accountSID, from, to string) url.Values {
	return url.Values{
		"CallSid": {randomSID("CA")}, "AccountSid": {accountSID}, "From": {from}, "To": {to},
		"CallStatus": {"ringing"}, "Direction": {"inbound"}, "ApiVersion": {"2010-04-01"},
	}
}

// Webhook is a request as Twilio would make it to one of the webhooks.
type Webhook struct {
	// URL is where the request goes, e.g. http://127.0.0.1:8080/sms/inbound.
	URL string
	// SignURL is the URL Twilio signs: the public URL of the same webhook. Empty means URL.
	SignURL string
	// AuthToken signs the request; empty sends it unsigned.
	AuthToken string
	// Params is the form, e.g. from InboundSMS.
	Params url.Values
}

// Do sends the webhook and returns the HTTP status and the body of the answer (TwiML).
func (wh Webhook) Do(ctx context.Context, c *http.Client) (int, string, error) {
	body := wh.Params.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, wh.URL, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1 (rahat sms send)")
	if wh.AuthToken != "" {
		req.Header.Set("X-Twilio-Signature", Signature(wh.AuthToken, cmpStr(wh.SignURL, wh.URL), wh.Params))
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("posting to %s: %w", wh.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b), err
}

func cmpStr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
