package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/rahataid/rahat/api/auth"
	"github.com/rahataid/rahat/config"
)

// tokenSecretEnv holds the HS256 secret that `rahat serve` verifies development tokens with.
const tokenSecretEnv = "RAHAT_JWT_SECRET"

// tokenCommand issues a development bearer token for the REST API. Production tokens come from
// the identity provider whose keys the API reads from a JWKS.
func tokenCommand() *Command {
	var role, vendor, subject, issuer, audience, kid *string
	var ttl *time.Duration
	return &Command{
		Name:    "token",
		Summary: "print a development JWT for the REST API, signed with " + tokenSecretEnv + " (HS256)",
		Flags: func(fs *flag.FlagSet) {
			role = fs.String("role", "", "role(s), comma-separated: admin, operator, vendor (required)")
			vendor = fs.String("vendor", "", "the vendor's chain address (required with --role vendor)")
			subject = fs.String("subject", "", "the token's sub (default: the vendor address, or dev-<role>)")
			ttl = fs.Duration("ttl", time.Hour, "lifetime (at most 720h)")
			issuer = fs.String("issuer", auth.DefaultIssuer, "iss; must match the API's configured issuer")
			audience = fs.String("audience", auth.DefaultAudience, "aud; must match the API's configured audience")
			kid = fs.String("kid", "", "optional key id header (when the secret is configured with one)")
		},
		Exec: func(_ context.Context, env *Env, _ config.Config, _ *slog.Logger, args []string) error {
			if len(args) > 0 {
				fmt.Fprintf(env.Stderr, "rahat token: unexpected arguments %q\n", args)
				return errUsage
			}
			secret := lookupEnv(env.Environ, tokenSecretEnv)
			if secret == "" {
				return errors.New(tokenSecretEnv + " is not set (the HS256 secret the API verifies tokens with, at least 32 bytes)")
			}
			spec := auth.TokenSpec{Issuer: *issuer, Audience: *audience, Subject: *subject, TTL: *ttl, KeyID: *kid}
			for _, r := range strings.Split(*role, ",") {
				if r = strings.TrimSpace(r); r != "" {
					spec.Roles = append(spec.Roles, auth.Role(r))
				}
			}
			if len(spec.Roles) == 0 {
				fmt.Fprintln(env.Stderr, "rahat token: --role is required (admin, operator or vendor)")
				return errUsage
			}
			if *vendor != "" {
				if !common.IsHexAddress(*vendor) || !strings.HasPrefix(*vendor, "0x") {
					return fmt.Errorf("--vendor %q is not a 0x-prefixed address", *vendor)
				}
				a := common.HexToAddress(*vendor)
				spec.Vendor = &a
			}
			tok, err := auth.IssueHS256([]byte(secret), spec)
			if err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, tok)
			return nil
		},
	}
}

// lookupEnv reads a variable from a KEY=VALUE list (the last one wins, as in a shell).
func lookupEnv(environ []string, key string) string {
	v := ""
	for _, kv := range environ {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}
