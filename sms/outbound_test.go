package sms

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rahataid/rahat/sms/internal/twiliofake"
)

const numOut = "+9779812345678"

// outboundRow is what sms_outbound says about a message.
type outboundState struct {
	State, Preview     string
	SID, Status, Error *string
	ErrorCode          *int32
	Attempts           int
	HasBody            bool
}

func (b *bundle) outbound(id int64) outboundState {
	b.t.Helper()
	var o outboundState
	err := b.db.QueryRow(b.ctx, `
SELECT state, preview, sid, status, error, error_code, attempts, body_enc IS NOT NULL FROM sms_outbound WHERE id = $1`, id).
		Scan(&o.State, &o.Preview, &o.SID, &o.Status, &o.Error, &o.ErrorCode, &o.Attempts, &o.HasBody)
	if err != nil {
		b.t.Fatalf("reading message %d: %v", id, err)
	}
	return o
}

// sendCode queues a claim code in its own transaction, as the command API does, and returns the
// message's id.
func (b *bundle) sendCode(svc *Service, benID int64, claim, code string) int64 {
	b.t.Helper()
	b.secrets = append(b.secrets, code)
	err := pgx.BeginFunc(b.ctx, b.db, func(tx pgx.Tx) error {
		return svc.SendClaimCode(b.ctx, tx, ClaimCode{BeneficiaryID: benID, Amount: units(255, 17), TokenSymbol: "RHT",
			Decimals: 18, Code: code, ClaimID: claim})
	})
	if err != nil {
		b.t.Fatal(err)
	}
	var id int64
	if err := b.db.QueryRow(b.ctx, `SELECT id FROM sms_outbound WHERE event_key LIKE $1`, "code:"+claim+":%").Scan(&id); err != nil {
		b.t.Fatal(err)
	}
	return id
}

// waitState waits until the message reaches state.
func (b *bundle) waitState(id int64, state string) outboundState {
	b.t.Helper()
	var o outboundState
	waitFor(b.t, 30*time.Second, "message state "+state, func() bool { o = b.outbound(id); return o.State == state })
	return o
}

// TestClaimCode sends a code through the real twilio-go client to the fake, and follows its
// delivery callbacks.
func TestClaimCode(t *testing.T) {
	t.Parallel()
	b := setup(t, options{twilio: true, run: true})
	id := b.sendCode(b.svc, b.register(proj1, ben(1), numOut, "ne"), "7", "482913")

	m := <-b.fake.Accepted()
	want := "राहत: पसलले २५.५ RHT माग्दैछ; सहमत भए मात्र कोड दिनुहोस्: 482913"
	if m.To != numOut || m.From != testFrom || m.Body != want {
		t.Fatalf("Twilio got %+v, want body %q", m, want)
	}
	if m.StatusCallback != b.srv.URL+"/sms/status?id="+itoa(id) {
		t.Fatalf("status callback %q", m.StatusCallback)
	}
	o := b.waitState(id, "accepted")
	if o.SID == nil || *o.SID != m.SID || o.HasBody || strings.Contains(o.Preview, "482913") || o.Attempts != 1 {
		t.Fatalf("after acceptance: %+v", o)
	}
	// Nowhere in river's tables is the code.
	var args string
	if err := b.db.QueryRow(b.ctx, `SELECT string_agg(args::text || coalesce(array_to_string(errors, ','), ''), ' ') FROM river_job`).Scan(&args); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(args, "482913") || !strings.Contains(args, `"outbound_id"`) {
		t.Fatalf("river_job holds %s", args)
	}

	// Delivery callbacks, signed by "Twilio", one of them late and out of order.
	for _, st := range []string{"sent", "delivered", "sent"} {
		if code, err := b.fake.Deliver(b.ctx, m.SID, st, 0); err != nil || code != http.StatusNoContent {
			t.Fatalf("callback %s: %d %v", st, code, err)
		}
	}
	if o := b.outbound(id); o.Status == nil || *o.Status != "delivered" {
		t.Fatalf("after callbacks: status %v", o.Status)
	}
	if code, err := b.fake.Deliver(b.ctx, m.SID, "undelivered", 30003); err != nil || code != http.StatusNoContent {
		t.Fatalf("callback: %d %v", code, err)
	}
	if o := b.outbound(id); *o.Status != "undelivered" || o.ErrorCode == nil || *o.ErrorCode != 30003 {
		t.Fatalf("undelivered: %+v", o)
	}
	if n := len(b.fake.Messages()); n != 1 {
		t.Fatalf("%d messages sent", n)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestClaimCodeIsTransactional checks that a code exists only if the caller's transaction
// commits, and once per claim and code.
func TestClaimCodeIsTransactional(t *testing.T) {
	t.Parallel()
	b := setup(t, options{twilio: true})
	benID := b.register(proj1, ben(1), numOut, "en")
	errRollback := errors.New("the vendor's request failed")
	err := pgx.BeginFunc(b.ctx, b.db, func(tx pgx.Tx) error {
		if err := b.svc.SendClaimCode(b.ctx, tx, ClaimCode{BeneficiaryID: benID, Amount: rht(1), TokenSymbol: "RHT", Decimals: 18,
			Code: "111111", ClaimID: "1"}); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	count := func(q string) (n int) {
		if err := b.db.QueryRow(b.ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if count(`SELECT count(*) FROM sms_outbound`)+count(`SELECT count(*) FROM river_job WHERE kind = 'sms_send'`) != 0 {
		t.Fatal("a rolled-back code left a message or a job")
	}
	b.sendCode(b.svc, benID, "2", "222222")
	b.sendCode(b.svc, benID, "2", "222222") // a repeated request
	b.sendCode(b.svc, benID, "2", "333333") // a new code for the same claim is a new message
	if n, j := count(`SELECT count(*) FROM sms_outbound`), count(`SELECT count(*) FROM river_job WHERE kind = 'sms_send'`); n != 2 || j != 2 {
		t.Fatalf("%d messages and %d jobs, want 2 and 2", n, j)
	}
	if err := pgx.BeginFunc(b.ctx, b.db, func(tx pgx.Tx) error {
		return b.svc.SendClaimCode(b.ctx, tx, ClaimCode{BeneficiaryID: 999, Amount: rht(1), Code: "1", ClaimID: "3"})
	}); !errors.Is(err, ErrUnknownBeneficiary) {
		t.Fatalf("unknown beneficiary: %v", err)
	}
}

// TestRetries makes Twilio fail with 500, 429 and 503 before it accepts: one message is sent,
// after four attempts, and the attempts after the 5xx answers looked first.
func TestRetries(t *testing.T) {
	t.Parallel()
	b := setup(t, options{twilio: true, run: true})
	b.fake.Script(
		twiliofake.Fault{Status: 500, Code: 20500, Message: "Internal Server Error"},
		twiliofake.Fault{Status: 429, Code: 20429, Message: "Too Many Requests"},
		twiliofake.Fault{Status: 503, Code: 20503, Message: "Service Unavailable"},
	)
	id := b.sendCode(b.svc, b.register(proj1, ben(1), numOut, "en"), "9", "908172")
	o := b.waitState(id, "accepted")
	if o.Attempts != 4 || b.fake.Creates() != 4 || len(b.fake.Messages()) != 1 {
		t.Fatalf("attempts %d, creates %d, messages %d", o.Attempts, b.fake.Creates(), len(b.fake.Messages()))
	}
	// After 500: look (nothing), send (429). After 429: certainly not sent, send without looking
	// (503). After 503: look, send.
	if n := b.fake.Lists(); n != 2 {
		t.Fatalf("%d lookups, want 2", n)
	}
}

// TestPermanentFailure: Twilio refuses the number for good; no retry, the text is erased, the
// error is recorded without the number.
func TestPermanentFailure(t *testing.T) {
	t.Parallel()
	b := setup(t, options{twilio: true, run: true})
	b.fake.Script(twiliofake.Fault{Status: 400, Code: 21211, Message: "Invalid 'To' Phone Number: " + numOut})
	id := b.sendCode(b.svc, b.register(proj1, ben(1), numOut, "en"), "5", "554433")
	o := b.waitState(id, "failed")
	if o.HasBody || o.ErrorCode == nil || *o.ErrorCode != 21211 || o.Error == nil || strings.Contains(*o.Error, "9812345678") {
		t.Fatalf("failed message: %+v (error %v)", o, deref(o.Error))
	}
	var state string
	waitFor(t, 10*time.Second, "the job to be cancelled", func() bool {
		_ = b.db.QueryRow(b.ctx, `SELECT state FROM river_job WHERE kind = 'sms_send'`).Scan(&state)
		return state == "cancelled"
	})
	if b.fake.Creates() != 1 {
		t.Fatalf("%d creates", b.fake.Creates())
	}
}

// TestLostAnswer: Twilio accepts the message but the answer never arrives (the connection
// drops). The retry finds the message at Twilio and records it instead of sending it again.
func TestLostAnswer(t *testing.T) {
	t.Parallel()
	b := setup(t, options{twilio: true, run: true})
	b.fake.Script(twiliofake.Fault{Mode: twiliofake.AcceptThenDrop})
	id := b.sendCode(b.svc, b.register(proj1, ben(1), numOut, "en"), "4", "102938")
	o := b.waitState(id, "accepted")
	msgs := b.fake.Messages()
	if len(msgs) != 1 || b.fake.Creates() != 1 || o.SID == nil || *o.SID != msgs[0].SID || o.HasBody {
		t.Fatalf("messages %d, creates %d, row %+v", len(msgs), b.fake.Creates(), o)
	}
}

// TestCodeExpires: a code that could not be sent in time is dropped, not sent late.
func TestCodeExpires(t *testing.T) {
	t.Parallel()
	b := setup(t, options{twilio: true, run: true, mutate: func(c *Config) { c.CodeTTL = time.Nanosecond }})
	id := b.sendCode(b.svc, b.register(proj1, ben(1), numOut, "en"), "3", "665544")
	if o := b.waitState(id, "expired"); o.HasBody {
		t.Fatalf("an expired code kept its text: %+v", o)
	}
	if b.fake.Creates() != 0 {
		t.Fatal("an expired code was sent")
	}
}

// TestDevOutbox: without Twilio, messages go to the log (code masked, number redacted) and in full
// to the dev outbox page.
func TestDevOutbox(t *testing.T) {
	t.Parallel()
	b := setup(t, options{run: true, mutate: func(c *Config) { c.DevOutbox = true }})
	id := b.sendCode(b.svc, b.register(proj1, ben(1), numOut, "en"), "8", "246810")
	b.waitState(id, "accepted")
	resp, err := http.Get(b.srv.URL + "/sms/outbox?format=json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct{ Messages []outboxEntry }
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	if len(page.Messages) != 1 || !strings.HasSuffix(page.Messages[0].Body, ": 246810") || page.Messages[0].MessageID != id {
		t.Fatalf("outbox: %+v", page.Messages)
	}
	if logs := b.logs.String(); !strings.Contains(logs, "give this code only if you agree: ******") {
		t.Fatalf("the log sender did not log the masked message:\n%s", logs)
	}
	html, err := http.Get(b.srv.URL + "/sms/outbox")
	if err != nil {
		t.Fatal(err)
	}
	html.Body.Close()
	if html.StatusCode != http.StatusOK || !strings.HasPrefix(html.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("outbox page: %d %s", html.StatusCode, html.Header.Get("Content-Type"))
	}
}

// TestAllocationNotices: the scanner announces allocations of final blocks, once each, to
// registered beneficiaries only.
func TestAllocationNotices(t *testing.T) {
	t.Parallel()
	b := setup(t, options{twilio: true, run: true})
	b.createAllocationsTable()
	b.register(proj1, ben(1), numOut, "en")
	b.register(proj1, ben(2), "+9779812345679", "ne")
	b.mine(projectCreated(proj1, tokRHT))
	b.mine(allocate(proj1, tokRHT, ben(1), rht(5))) // before the service's first scan: history
	b.finalize(b.block)
	scan := func() int {
		t.Helper()
		n, err := b.svc.ScanAllocations(b.ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := scan(); n != 0 {
		t.Fatalf("the first scan queued %d notices of old allocations", n)
	}
	b.mine(allocate(proj1, tokRHT, ben(1), rht(500)), allocate(proj1, tokRHT, ben(9), rht(3))) // ben 9 has no phone
	last := b.mine(allocate(proj1, tokRHT, ben(2), units(12505, 17)), allocate(proj1, tokRHT, ben(1), rht(0)))
	if n := scan(); n != 0 {
		t.Fatalf("%d notices of blocks not final yet", n)
	}
	b.finalize(last)
	if n := scan(); n != 2 {
		t.Fatalf("%d notices, want 2 (ben 1's 500, ben 2's 1250.5; not the unregistered one or the zero)", n)
	}
	if n := scan(); n != 0 {
		t.Fatalf("a second scan queued %d notices", n)
	}
	want := map[string]bool{
		"Rahat: your RHT allocation is now 500. Text BAL for your balance.": true,
		"राहत: RHT बाँडफाँट अब १२५०.५ भयो। ब्यालेन्स जान्न BAL पठाउनुहोस्।": true,
	}
	waitFor(t, 30*time.Second, "two notices", func() bool { return len(b.fake.Messages()) == 2 })
	for _, m := range b.fake.Messages() {
		if !want[m.Body] {
			t.Errorf("unexpected notice %q", m.Body)
		}
	}
	// The same event announced again (e.g. by an indexer handler too) yields nothing.
	var key string
	if err := b.db.QueryRow(b.ctx, `SELECT event_key FROM sms_outbound ORDER BY id LIMIT 1`).Scan(&key); err != nil {
		t.Fatal(err)
	}
	var a Allocation
	err := pgx.BeginFunc(b.ctx, b.db, func(tx pgx.Tx) error {
		var txHash []byte
		var logIndex int32
		if err := tx.QueryRow(b.ctx, `SELECT tx_hash, log_index FROM `+allocationsTable+` WHERE beneficiary = $1 AND amount = $2`,
			ben(1).Bytes(), rht(500).String()).Scan(&txHash, &logIndex); err != nil {
			return err
		}
		a = Allocation{ChainID: testChain, Project: proj1, Beneficiary: ben(1), Token: tokRHT, Amount: rht(500), LogIndex: uint(logIndex)}
		copy(a.TxHash[:], txHash)
		ok, err := b.svc.NotifyAllocation(b.ctx, tx, a)
		if ok {
			return errors.New("queued twice")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, "alloc:31337:0x") {
		t.Fatalf("event key %q", key)
	}
}

// TestRunStops checks that Run returns promptly when its context ends.
func TestRunStops(t *testing.T) {
	t.Parallel()
	b := setup(t, options{twilio: true})
	ctx, cancel := context.WithCancel(b.ctx)
	done := make(chan error, 1)
	go func() { done <- b.svc.Run(ctx) }()
	id := b.sendCode(b.svc, b.register(proj1, ben(1), numOut, "en"), "1", "135791")
	b.waitState(id, "accepted")
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}

// TestCallbackBeforeAnswer: Twilio's status callback arrives while the sender still waits for the
// answer to its create call. The callback alone settles the message (its URL names it), so a
// crash at that moment could not cause a second send; the late answer agrees.
func TestCallbackBeforeAnswer(t *testing.T) {
	t.Parallel()
	b := setup(t, options{twilio: true, run: true})
	b.fake.Script(twiliofake.Fault{Mode: twiliofake.AcceptThenHang})
	id := b.sendCode(b.svc, b.register(proj1, ben(1), numOut, "en"), "6", "314159")
	m := <-b.fake.Accepted()
	if code, err := b.fake.Deliver(b.ctx, m.SID, "sent", 0); err != nil || code != http.StatusNoContent {
		t.Fatalf("callback: %d %v", code, err)
	}
	o := b.outbound(id)
	if o.State != "accepted" || o.SID == nil || *o.SID != m.SID || o.HasBody || *o.Status != "sent" {
		t.Fatalf("after the early callback: %+v", o)
	}
	b.fake.Release()
	waitFor(t, 30*time.Second, "the job to complete", func() bool {
		var st string
		_ = b.db.QueryRow(b.ctx, `SELECT state FROM river_job WHERE kind = 'sms_send'`).Scan(&st)
		return st == "completed"
	})
	if o := b.outbound(id); *o.SID != m.SID || *o.Status != "sent" || len(b.fake.Messages()) != 1 {
		t.Fatalf("after the answer: %+v, %d messages", o, len(b.fake.Messages()))
	}
}

// TestCodeAttempts: the command API numbers the codes of a claim; each number is one message.
func TestCodeAttempts(t *testing.T) {
	t.Parallel()
	b := setup(t, options{twilio: true})
	benID := b.register(proj1, ben(1), numOut, "en")
	send := func(attempt int, code string) {
		t.Helper()
		if err := pgx.BeginFunc(b.ctx, b.db, func(tx pgx.Tx) error {
			return b.svc.SendClaimCode(b.ctx, tx, ClaimCode{BeneficiaryID: benID, Amount: rht(1), TokenSymbol: "RHT",
				Decimals: 18, Code: code, ClaimID: "12", Attempt: attempt})
		}); err != nil {
			t.Fatal(err)
		}
	}
	send(1, "111111")
	send(1, "111111")
	send(2, "222222")
	rows, err := b.db.Query(b.ctx, `SELECT event_key FROM sms_outbound ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || strings.Join(keys, " ") != "code:12:a1 code:12:a2" {
		t.Fatalf("keys %v, %v", keys, err)
	}
}
