package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/rahataid/rahat/api/auth"
)

func TestTokenCommand(t *testing.T) {
	t.Parallel()
	secret := "a-development-secret-of-32-bytes-or-more"
	vendor := common.HexToAddress("0x00000000000000000000000000000000000000a1")
	run := func(environ []string, args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := tokenCommand().Run(context.Background(), &Env{Stdout: &out, Stderr: &errb, Environ: environ}, args)
		return strings.TrimSpace(out.String()), err
	}
	tok, err := run([]string{"RAHAT_JWT_SECRET=" + secret}, "--role", "vendor", "--vendor", vendor.Hex(), "--ttl", "30m")
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(context.Background(), auth.Config{HS256Secret: []byte(secret)})
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatalf("the token does not verify: %v", err)
	}
	if !p.Has(auth.RoleVendor) || p.Vendor != vendor || time.Until(p.ExpiresAt) > 31*time.Minute {
		t.Fatalf("principal %+v", p)
	}
	for name, tc := range map[string]struct {
		env  []string
		args []string
	}{
		"no secret":       {nil, []string{"--role", "admin"}},
		"short secret":    {[]string{"RAHAT_JWT_SECRET=short"}, []string{"--role", "admin"}},
		"no role":         {[]string{"RAHAT_JWT_SECRET=" + secret}, nil},
		"vendor no addr":  {[]string{"RAHAT_JWT_SECRET=" + secret}, []string{"--role", "vendor"}},
		"bad vendor addr": {[]string{"RAHAT_JWT_SECRET=" + secret}, []string{"--role", "vendor", "--vendor", "abc"}},
		"unknown role":    {[]string{"RAHAT_JWT_SECRET=" + secret}, []string{"--role", "root"}},
		"ttl too long":    {[]string{"RAHAT_JWT_SECRET=" + secret}, []string{"--role", "admin", "--ttl", "1000h"}},
	} {
		if out, err := run(tc.env, tc.args...); err == nil {
			t.Errorf("%s: issued %q", name, out)
		}
	}
}
