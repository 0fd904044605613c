package graphql

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/rahataid/rahat/api/auth"
)

// TokenVerifier checks a bearer token (a compact JWS) and returns who holds it. The REST API's
// *auth.Verifier satisfies it, so that GraphQL accepts exactly the API's tokens without
// depending on the API itself.
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (auth.Principal, error)
}

type credentialsKey struct{}

// credentials are a request's Authorization header and, once verified, its principal. The
// token is verified at most once per request however many operational fields it selects.
type credentials struct {
	header string
	once   sync.Once
	p      auth.Principal
	err    error
}

// WithAuthorization returns ctx carrying the value of a request's Authorization header, which
// the operational fields (distributions, claim requests, settlements, transactions) verify.
// ServeHTTP calls it for GET and POST requests; a transport that carries the token elsewhere
// (a websocket's connection_init payload) can call it too. Without it, those fields answer
// UNAUTHENTICATED.
func WithAuthorization(ctx context.Context, header string) context.Context {
	return context.WithValue(ctx, credentialsKey{}, &credentials{header: header})
}

// The error codes (extensions.code) of refused operational fields.
const (
	codeUnauthenticated = "UNAUTHENTICATED"
	codeForbidden       = "FORBIDDEN"
)

// authError is shown to the client as is (the presenter keeps gqlerror.Errors without a cause).
func authError(code, msg string) error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": code}}
}

// principal verifies the request's bearer token.
func (o *ops) principal(ctx context.Context) (auth.Principal, error) {
	c, _ := ctx.Value(credentialsKey{}).(*credentials)
	if c == nil || strings.TrimSpace(c.header) == "" {
		return auth.Principal{}, authError(codeUnauthenticated, "this field is operational data: send a bearer token (Authorization: Bearer <JWT>)")
	}
	if o == nil || o.verifier == nil {
		return auth.Principal{}, authError(codeUnauthenticated, "this server verifies no tokens, so operational fields are unavailable")
	}
	c.once.Do(func() {
		scheme, tok, ok := strings.Cut(strings.TrimSpace(c.header), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			c.err = errors.New("not a bearer token")
			return
		}
		c.p, c.err = o.verifier.Verify(ctx, strings.TrimSpace(tok))
	})
	if c.err != nil {
		reason := "invalid"
		var ae *auth.Error
		if errors.As(c.err, &ae) {
			reason = ae.Reason
		}
		o.log.DebugContext(ctx, "graphql: bearer token refused", "reason", reason)
		return auth.Principal{}, authError(codeUnauthenticated, "the bearer token is invalid or expired")
	}
	return c.p, nil
}

// staff admits admins and operators only.
func (o *ops) staff(ctx context.Context) error {
	p, err := o.principal(ctx)
	if err != nil {
		return err
	}
	if !p.Has(auth.RoleAdmin, auth.RoleOperator) {
		return authError(codeForbidden, "this field needs the role admin or operator")
	}
	return nil
}

// vendorScope admits staff (nil: every vendor's rows) and vendors (their own address: only
// their rows).
func (o *ops) vendorScope(ctx context.Context) ([]byte, error) {
	p, err := o.principal(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case p.Has(auth.RoleAdmin, auth.RoleOperator):
		return nil, nil
	case p.Has(auth.RoleVendor):
		return p.Vendor.Bytes(), nil
	}
	return nil, authError(codeForbidden, "this field needs the role admin, operator or vendor")
}
