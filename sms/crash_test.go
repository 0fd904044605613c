package sms

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/rahataid/rahat/phone"
	"github.com/rahataid/rahat/sms/internal/twiliofake"
	"github.com/rahataid/rahat/store"
)

// The crash child: this test binary re-executed with these variables runs a sender against the
// parent's database and fake Twilio until it is killed.
const (
	envCrashDB     = "RAHAT_SMS_CRASH_DB"
	envCrashTwilio = "RAHAT_SMS_CRASH_TWILIO"
	envCrashPublic = "RAHAT_SMS_CRASH_PUBLIC"
)

// TestCrashBetweenSendAndRecord kills a sending process (SIGKILL) after Twilio has accepted a
// claim code and before the process could record it. Another process must then find the message
// at Twilio and record it: exactly one SMS, none lost.
func TestCrashBetweenSendAndRecord(t *testing.T) {
	t.Parallel()
	b := setup(t, options{twilio: true, url: true, mutate: func(c *Config) {
		c.Queue.JobTimeout, c.Twilio.Timeout, c.Queue.RescueAfter = time.Second, time.Second, 3*time.Second
	}})
	const code = "777123"
	id := b.sendCode(b.svc, b.register(proj1, ben(1), numOut, "en"), "42", code)
	b.fake.Script(twiliofake.Fault{Mode: twiliofake.AcceptThenHang})

	child := exec.CommandContext(b.ctx, os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	child.Env = append(os.Environ(), envCrashDB+"="+b.dbURL, envCrashTwilio+"="+b.fake.URL(), envCrashPublic+"="+b.srv.URL)
	var childOut strings.Builder
	child.Stdout, child.Stderr = &childOut, &childOut
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-b.fake.Accepted():
		if !strings.HasSuffix(m.Body, code) {
			t.Fatalf("Twilio got %q", m.Body)
		}
	case <-time.After(60 * time.Second):
		_ = child.Process.Kill()
		t.Fatalf("the child never sent:\n%s", childOut.String())
	}
	// Twilio has the message; the child is waiting for the answer. Kill it there.
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()
	if o := b.outbound(id); o.State != "sending" || o.SID != nil {
		t.Fatalf("after the crash the message is %+v, want sending without a sid", o)
	}
	var jobState string
	if err := b.db.QueryRow(b.ctx, `SELECT state FROM river_job WHERE kind = 'sms_send'`).Scan(&jobState); err != nil || jobState != "running" {
		t.Fatalf("after the crash the job is %q (%v), want running", jobState, err)
	}

	// Another process takes over once the job has looked alive for longer than RescueAfter.
	waitFor(t, 30*time.Second, "the crashed attempt to be old enough to rescue", func() bool {
		var old bool
		_ = b.db.QueryRow(b.ctx, `SELECT attempted_at < now() - interval '3.5 seconds' FROM river_job WHERE kind = 'sms_send'`).Scan(&old)
		return old
	})
	b.run(b.svc)
	o := b.waitState(id, "accepted")
	msgs := b.fake.Messages()
	if len(msgs) != 1 || b.fake.Creates() != 1 || o.SID == nil || *o.SID != msgs[0].SID || o.HasBody {
		t.Fatalf("after recovery: %d messages, %d creates, row %+v", len(msgs), b.fake.Creates(), o)
	}
	if b.fake.Lists() == 0 {
		t.Fatal("the recovering process did not look the message up")
	}
	waitFor(t, 30*time.Second, "the job to complete", func() bool {
		_ = b.db.QueryRow(b.ctx, `SELECT state FROM river_job WHERE kind = 'sms_send'`).Scan(&jobState)
		return jobState == "completed"
	})
}

// TestCrashChild is the killed sender of TestCrashBetweenSendAndRecord; run on its own it does
// nothing.
func TestCrashChild(t *testing.T) {
	dbURL := os.Getenv(envCrashDB)
	if dbURL == "" {
		return
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL, store.PoolConfig{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	phones, _ := phone.NewHasher(hashKey, "NP")
	box, _ := phone.NewBox(boxKey)
	svc, err := New(Config{
		DB: db, ChainID: testChain, Phones: phones, Box: box, PublicURL: os.Getenv(envCrashPublic),
		Twilio:  Twilio{AccountSID: testAccount, AuthToken: testToken, From: testFrom, BaseURL: os.Getenv(envCrashTwilio), Timeout: time.Minute},
		Notices: Notices{Disabled: true},
		Queue:   Queue{JobTimeout: time.Minute, RescueAfter: 3 * time.Minute, FetchPollInterval: 20 * time.Millisecond},
		Logger:  slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})),
		testHooks: &testHooks{river: func(rc *river.Config) {
			// A worker only: the parent's process leads river (and rescues) after the crash.
			rc.LeaderElectionDisabled, rc.PeriodicJobs, rc.TestOnly = true, nil, true
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = svc.Run(ctx) // until SIGKILL
}
