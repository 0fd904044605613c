package entity_test

import (
	"testing"

	"github.com/rahataid/rahat/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }
