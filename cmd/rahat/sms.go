package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/rahataid/rahat/config"
	"github.com/rahataid/rahat/sms"
)

func smsCommand() *Command {
	return &Command{
		Name:    "sms",
		Summary: "play a beneficiary's SMS or call to a running serve's webhook, signed like Twilio: rahat sms send --from NUMBER BAL",
		Config:  true,
		Exec:    runSMS,
	}
}

// runSMS implements `rahat sms send [flags] WORDS...`: it posts the message to /sms/inbound (or a
// call to /sms/voice) through the real webhook path, signed with the auth token as Twilio signs,
// and prints the TwiML the server answers.
func runSMS(ctx context.Context, env *Env, cfg config.Config, _ *slog.Logger, args []string) error {
	if len(args) == 0 || args[0] != "send" {
		fmt.Fprintln(env.Stderr, "usage: rahat sms send --from NUMBER [--voice] [flags] WORDS...   (rahat sms send --help for the flags)")
		return errUsage
	}
	addr := cfg.Serve.Addr
	if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	fs := flag.NewFlagSet("rahat sms send", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	base := fs.String("url", "http://"+addr, "base URL of the running rahat serve (or dev)")
	public := fs.String("public-url", smsEnv(env.Environ, "RAHAT_SMS_PUBLIC_URL"),
		"the server's public URL (sms.public_url), which the signature covers; default --url (env RAHAT_SMS_PUBLIC_URL)")
	token := fs.String("auth-token", cmp.Or(smsEnv(env.Environ, "RAHAT_SMS_TWILIO_AUTH_TOKEN"), sms.DevAuthToken),
		"Twilio auth token to sign with (env RAHAT_SMS_TWILIO_AUTH_TOKEN; default: the one rahat dev uses)")
	from := fs.String("from", "", "the beneficiary's phone number (required), e.g. +9779812345678")
	to := fs.String("to", "+15005550006", "the Twilio number texted")
	account := fs.String("account", "AC00000000000000000000000000000000", "AccountSid sent in the request")
	voice := fs.Bool("voice", false, "play a call to /sms/voice instead of a text")
	unsigned := fs.Bool("unsigned", false, "send without a signature (to see the 403)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	if *from == "" {
		fmt.Fprintln(env.Stderr, "rahat sms send: --from is required")
		return errUsage
	}
	path, params := "/sms/inbound", sms.InboundSMS(*account, *from, *to, strings.Join(fs.Args(), " "))
	if *voice {
		path, params = "/sms/voice", sms.InboundCall(*account, *from, *to)
	}
	wh := sms.Webhook{URL: strings.TrimRight(*base, "/") + path, Params: params}
	if *public != "" {
		wh.SignURL = strings.TrimRight(*public, "/") + path
	}
	if !*unsigned {
		wh.AuthToken = *token
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	status, body, err := wh.Do(ctx, &http.Client{})
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		hint := ""
		if status == http.StatusForbidden {
			hint = " (the signature was refused: are --auth-token and --public-url those of the server?)"
		}
		return fmt.Errorf("the webhook answered %d%s: %s", status, hint, strings.TrimSpace(body))
	}
	fmt.Fprintln(env.Stdout, body)
	return nil
}

// smsEnv reads a variable from the command's environment.
func smsEnv(environ []string, key string) string {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}
