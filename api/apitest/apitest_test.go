package apitest_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNotInProduction: the rahat binary does not link the fixtures (its dev command deploys its
// project with workload.DeployProject).
func TestNotInProduction(t *testing.T) {
	t.Parallel()
	// go test puts its own go first on the test's PATH.
	out, err := exec.CommandContext(t.Context(), "go", "list", "-deps", "github.com/rahataid/rahat/cmd/rahat").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list gave %d packages: %s", len(deps), out)
	}
	for _, p := range deps {
		if p == "github.com/rahataid/rahat/api/apitest" {
			t.Fatal("cmd/rahat imports api/apitest, a test fixture")
		}
	}
}
