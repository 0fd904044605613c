package workload

import (
	"math/big"
	"testing"
)

func TestProfiles(t *testing.T) {
	t.Parallel()
	for _, name := range ProfileNames() {
		c, err := Profile(name, 5)
		if err != nil {
			t.Fatalf("Profile(%q): %v", name, err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("profile %s is invalid: %v", name, err)
		}
		if c.Seed != 5 {
			t.Errorf("profile %s: seed %d", name, c.Seed)
		}
	}
	if _, err := Profile("huge", 1); err == nil {
		t.Error("Profile(huge) succeeded")
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(c *Config)
	}{
		{"negative claims", func(c *Config) { c.Claims = -1 }},
		{"no vendor left", func(c *Config) { c.VendorRevocations = c.VendorsPerProject }},
		{"too many removals", func(c *Config) { c.Removals = c.BeneficiariesPerProject }},
		{"too many flows", func(c *Config) { c.Claims = 5 * c.BeneficiariesPerProject }},
		{"huge decimals", func(c *Config) { c.Decimals = 31 }},
		{"negative fund", func(c *Config) { c.Fund = big.NewInt(-1) }},
		{"negative rounds", func(c *Config) { c.Rounds = -1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Profile("small", 1)
			if err != nil {
				t.Fatal(err)
			}
			tt.edit(&c)
			if err := c.Validate(); err == nil {
				t.Error("Validate accepted it")
			}
		})
	}
	if err := (Config{}).withDefaults().Validate(); err != nil {
		t.Errorf("the defaulted zero Config is invalid: %v", err)
	}
}

// TestDerivedKeys checks that keys depend on seed, role and index, and on nothing else.
func TestDerivedKeys(t *testing.T) {
	t.Parallel()
	a := derivedActor(1, "vendor/0", 3)
	if b := derivedActor(1, "vendor/0", 3); b.addr != a.addr {
		t.Error("the same seed, role and index gave two keys")
	}
	for _, other := range []*actor{derivedActor(2, "vendor/0", 3), derivedActor(1, "vendor/1", 3), derivedActor(1, "vendor/0", 4)} {
		if other.addr == a.addr {
			t.Errorf("%s collides with %s", other.name, a.name)
		}
	}
}
