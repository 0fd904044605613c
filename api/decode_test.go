package api

import (
	"strings"
	"testing"
	"time"
)

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, ctype, body string
		code              Code
		field             string
	}{
		{"ok", "application/json", `{"project":"0x1","allocations":[{"beneficiary":"0x2","amount":"1"}]}`, "", ""},
		{"charset ok", "application/json; charset=utf-8", `{"project":"x"}`, "", ""},
		{"not json media", "text/plain", `{}`, CodeUnsupportedMedia, ""},
		{"no media", "", `{}`, CodeUnsupportedMedia, ""},
		{"empty", "application/json", ``, CodeInvalidRequest, ""},
		{"syntax", "application/json", `{"project":}`, CodeInvalidRequest, ""},
		{"truncated", "application/json", `{"project":"x"`, CodeInvalidRequest, ""},
		{"unknown field", "application/json", `{"project":"x","evil":1}`, CodeInvalidRequest, "evil"},
		{"nested unknown field", "application/json", `{"allocations":[{"beneficiary":"x","amount":"1","memo":2}]}`, CodeInvalidRequest, "allocations[0].memo"},
		{"wrong type", "application/json", `{"project":5}`, CodeInvalidRequest, "project"},
		{"nested wrong type", "application/json", `{"allocations":[{"beneficiary":"x","amount":"1"},{"beneficiary":"y","amount":12}]}`, CodeInvalidRequest, "allocations[1].amount"},
		{"array for object", "application/json", `{"allocations":{"beneficiary":"x"}}`, CodeInvalidRequest, "allocations"},
		{"array body", "application/json", `[1,2]`, CodeInvalidRequest, ""},
		{"element not object", "application/json", `{"allocations":[{"beneficiary":"x","amount":"1"},7]}`, CodeInvalidRequest, "allocations[1]"},
		{"null allocations", "application/json", `{"allocations":null}`, "", ""},
		{"two values", "application/json", `{"project":"x"} {"project":"y"}`, CodeInvalidRequest, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var v distributionRequest
			e := decodeJSON([]byte(tc.body), tc.ctype, &v)
			if tc.code == "" {
				if e != nil {
					t.Fatalf("error %v", e)
				}
				return
			}
			if e == nil || e.Code != tc.code {
				t.Fatalf("error %v, want %s", e, tc.code)
			}
			if tc.field != "" && (len(e.Details) != 1 || e.Details[0].Field != tc.field) {
				t.Fatalf("details %+v, want field %s", e.Details, tc.field)
			}
		})
	}
}

func TestFieldParsers(t *testing.T) {
	t.Parallel()
	addrs := map[string]bool{
		"0x52908400098527886E0F7030069857D2E4169EE7": true,  // EIP-55 test vector
		"0x52908400098527886e0f7030069857d2e4169ee7": true,  // all lower
		"0x52908400098527886E0F7030069857D2E4169Ee7": false, // bad checksum
		"52908400098527886E0F7030069857D2E4169EE7":   false, // no 0x
		"0x0000000000000000000000000000000000000000": false, // zero
		"0x1234": false,
		"":       false,
		"0xZZ908400098527886e0f7030069857d2e4169ee7": false,
	}
	for in, ok := range addrs {
		var f fields
		f.address("a", in)
		if (len(f) == 0) != ok {
			t.Errorf("address %q: problems %v", in, f)
		}
	}
	amounts := map[string]bool{
		"1": true, "340282366920938463463374607431768211455": true, // 2^128-1
		"340282366920938463463374607431768211456": false, // 2^128
		"0": false, "-5": false, "+5": false, "01": false, "1.5": false, "1e3": false, " 1": false, "": false,
		strings.Repeat("9", 79): false,
	}
	for in, ok := range amounts {
		var f fields
		n := f.amount("x", in, maxAllocation)
		if (len(f) == 0) != ok || (n != nil) != ok {
			t.Errorf("amount %q: %v, problems %v", in, n, f)
		}
	}
}

func TestLimiter(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_000_000, 0)
	l := newLimiter(2, 3, func() time.Time { return now })
	for i := range 3 {
		if ok, _ := l.allow("a"); !ok {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	ok, wait := l.allow("a")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("4th request: ok=%v wait=%v", ok, wait)
	}
	if ok, _ := l.allow("b"); !ok {
		t.Fatal("another client was limited")
	}
	now = now.Add(600 * time.Millisecond) // one token back at 2/s
	if ok, _ := l.allow("a"); !ok {
		t.Fatal("not refilled")
	}
	now = now.Add(time.Hour)
	l.allow("c") // sweeps idle buckets
	l.mu.Lock()
	n := len(l.buckets)
	l.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d buckets after sweep, want 1", n)
	}
}

func TestErrorBody(t *testing.T) {
	t.Parallel()
	var d []FieldError
	for range 150 {
		d = append(d, FieldError{Field: "f", Problem: "p"})
	}
	b := invalid(d...).body("rid")
	if !strings.Contains(string(b), `"50 more problems not shown"`) || !strings.Contains(string(b), `"request_id":"rid"`) {
		t.Fatalf("body %s", b)
	}
	if got := internal(errInternalSecret).body("x"); strings.Contains(string(got), "secret") {
		t.Fatalf("internal error leaked: %s", got)
	}
}

type secretErr struct{}

func (secretErr) Error() string { return "dial tcp 10.0.0.1: password=secret" }

var errInternalSecret = secretErr{}
