package query

import (
	"testing"

	"github.com/rahataid/rahat/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }
