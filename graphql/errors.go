package graphql

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	gql "github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/rahataid/rahat/graphql/model"
)

// presenter turns resolver errors into GraphQL errors (spec: message, path, locations,
// extensions.code). What the client did wrong is shown as is: parse and validation errors, bad
// scalars and arguments (model.Error), limits. A timeout says so. Anything else (a database
// failure, a bug) is logged with its detail and shown only as "internal error".
type presenter struct {
	log     *slog.Logger
	timeout time.Duration
	count   func(kind string)
}

func (p presenter) present(ctx context.Context, err error) *gqlerror.Error {
	ge := gql.DefaultErrorPresenter(ctx, err)
	var me *model.Error
	switch {
	case errors.As(err, &me):
		ge.Message = me.Msg
		ge.Err = nil
		setCode(ge, "BAD_USER_INPUT")
		p.count("user")
	case errors.Is(err, context.DeadlineExceeded):
		ge.Message = fmt.Sprintf("The query took longer than the limit of %s", p.timeout)
		ge.Err = nil
		setCode(ge, "TIMEOUT")
		p.count("timeout")
	case errors.Is(err, context.Canceled):
		ge.Message = "The request was cancelled"
		ge.Err = nil
		p.count("cancelled")
	case ge.Err != nil && ge.Err.Error() == "introspection disabled":
		ge.Message = "introspection is disabled on this server"
		ge.Err = nil
		setCode(ge, "INTROSPECTION_DISABLED")
		p.count("user")
	case ge.Err == nil:
		// gqlgen's and gqlparser's own errors: parsing, validation, arguments.
		p.count("user")
	default:
		p.log.ErrorContext(ctx, "graphql internal error", "err", err, "path", ge.Path.String(), "operation", operationName(ctx))
		ge.Message = "internal error"
		ge.Err = nil
		setCode(ge, "INTERNAL_SERVER_ERROR")
		p.count("internal")
	}
	return ge
}

func setCode(e *gqlerror.Error, code string) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	if _, ok := e.Extensions["code"]; !ok {
		e.Extensions["code"] = code
	}
}

// recoverPanic logs a resolver panic with its stack; the client sees an internal error.
func (p presenter) recoverPanic(ctx context.Context, v any) error {
	p.log.ErrorContext(ctx, "graphql resolver panic", "panic", fmt.Sprint(v), "operation", operationName(ctx), "stack", string(debug.Stack()))
	return errors.New("panic in resolver")
}

func operationName(ctx context.Context) string {
	if !gql.HasOperationContext(ctx) {
		return ""
	}
	return gql.GetOperationContext(ctx).OperationName
}
