package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/rahataid/rahat/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// runRahat runs the command in-process and returns its exit code and output.
func runRahat(t *testing.T, environ []string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), args, &out, &errOut, environ)
	return code, out.String(), errOut.String()
}

func TestUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args     []string
		code     int
		contains string
	}{
		{nil, 0, "Commands:"},
		{[]string{"help"}, 0, "migrate"},
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
		{[]string{"version"}, 0, "rahat "},
		{[]string{"migrate", "--help"}, 0, "--status"},
		{[]string{"migrate", "--no-such-flag"}, 2, "flag provided but not defined"},
		{[]string{"migrate", "--log-level", "loud"}, 1, "log.level"},
		{[]string{"migrate"}, 1, "database.url is not set"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runRahat(t, nil, tt.args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.contains) {
				t.Fatalf("exit %d, output %q %q; want exit %d containing %q", code, out, errOut, tt.code, tt.contains)
			}
		})
	}
}

func TestMigrateConcurrentAndIdempotent(t *testing.T) {
	t.Parallel()
	url := pgtest.NewEmptyURL(t)
	env := []string{"RAHAT_DATABASE_URL=" + url}
	var wg sync.WaitGroup
	outs := make([]string, 3)
	codes := make([]int, 3)
	for i := range outs {
		wg.Go(func() { codes[i], outs[i], _ = runRahat(t, env, "migrate") })
	}
	wg.Wait()
	applied := 0
	for i, out := range outs {
		if codes[i] != 0 {
			t.Fatalf("migrate %d exited %d: %s", i, codes[i], out)
		}
		var n int
		if _, err := fmt.Sscanf(out, "%d migration(s) applied", &n); err != nil {
			t.Fatalf("output %q: %v", out, err)
		}
		applied += n
	}
	code, out, _ := runRahat(t, env, "migrate")
	if code != 0 || !strings.HasPrefix(out, "0 migration(s) applied") {
		t.Fatalf("re-run: exit %d, %q", code, out)
	}
	code, status, _ := runRahat(t, env, "migrate", "--status")
	if code != 0 || strings.Contains(status, "pending") || !strings.Contains(status, "0001") {
		t.Fatalf("status: exit %d, %q", code, status)
	}
	if want := strings.Count(status, "\n") - 1; applied != want {
		t.Fatalf("the concurrent runs applied %d migrations in all, want each of the %d exactly once", applied, want)
	}
}
