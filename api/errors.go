package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// Code is the machine-readable kind of an error the API returns. Each code has one HTTP status,
// set in exactly one place (status); docs/api.md and the OpenAPI document list them.
type Code string

// The error codes.
const (
	CodeInvalidRequest      Code = "invalid_request"          // 400: malformed JSON, unknown field, wrong type
	CodeUnauthorized        Code = "unauthorized"             // 401: missing or invalid bearer token
	CodeForbidden           Code = "forbidden"                // 403: the token's roles do not allow this
	CodeNotFound            Code = "not_found"                // 404: no such resource (or not yours)
	CodeMethodNotAllowed    Code = "method_not_allowed"       // 405
	CodeConflict            Code = "conflict"                 // 409: already exists, or in a conflicting state
	CodeCodeUsed            Code = "code_used"                // 409: the claim's code was already used
	CodeTooLarge            Code = "too_large"                // 413: request body over the limit
	CodeUnsupportedMedia    Code = "unsupported_media"        // 415: body is not application/json
	CodeValidation          Code = "validation_failed"        // 422: well-formed but invalid fields
	CodeInsufficientBudget  Code = "insufficient_budget"      // 422: a distribution exceeds the free budget
	CodeInsufficientFunds   Code = "insufficient_funds"       // 422: a claim or settlement exceeds what is available
	CodeIdempotencyMismatch Code = "idempotency_mismatch"     // 422: key reused with another request
	CodeInvalidCode         Code = "invalid_code"             // 422: wrong one-time code
	CodeCodeExpired         Code = "code_expired"             // 422: the one-time code has expired
	CodeAttemptsExhausted   Code = "attempts_exhausted"       // 423: too many wrong codes for this claim
	CodeIdempotencyRequired Code = "idempotency_key_required" // 428: Idempotency-Key header missing
	CodeRateLimited         Code = "rate_limited"             // 429
	CodeInternal            Code = "internal"                 // 500: logged with the request id
	CodeUnavailable         Code = "unavailable"              // 503: the chain node or database is unreachable
)

// status maps a code to its HTTP status: the one place where that happens.
func (c Code) status() int {
	switch c {
	case CodeInvalidRequest:
		return http.StatusBadRequest
	case CodeUnauthorized:
		return http.StatusUnauthorized
	case CodeForbidden:
		return http.StatusForbidden
	case CodeNotFound:
		return http.StatusNotFound
	case CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case CodeConflict, CodeCodeUsed:
		return http.StatusConflict
	case CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case CodeUnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case CodeValidation, CodeInsufficientBudget, CodeInsufficientFunds, CodeIdempotencyMismatch, CodeInvalidCode, CodeCodeExpired:
		return http.StatusUnprocessableEntity
	case CodeAttemptsExhausted:
		return http.StatusLocked
	case CodeIdempotencyRequired:
		return http.StatusPreconditionRequired
	case CodeRateLimited:
		return http.StatusTooManyRequests
	case CodeUnavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// allCodes lists every code, for the OpenAPI consistency test.
var allCodes = []Code{CodeInvalidRequest, CodeUnauthorized, CodeForbidden, CodeNotFound, CodeMethodNotAllowed,
	CodeConflict, CodeCodeUsed, CodeTooLarge, CodeUnsupportedMedia, CodeValidation, CodeInsufficientBudget,
	CodeInsufficientFunds, CodeIdempotencyMismatch, CodeInvalidCode, CodeCodeExpired, CodeAttemptsExhausted,
	CodeIdempotencyRequired, CodeRateLimited, CodeInternal, CodeUnavailable}

// FieldError says what is wrong with one field of a request; Field is a JSON path such as
// "allocations[3].amount".
type FieldError struct {
	Field   string `json:"field"`
	Problem string `json:"problem"`
}

// Error is the one error type that crosses the API boundary. Message is shown to the client;
// Err (the cause, possibly internal) is only logged.
type Error struct {
	Code    Code
	Message string
	Details []FieldError
	Err     error
	// keep marks an error of an idempotent request whose side effects (a counted attempt) must
	// commit and be replayed like a success.
	keep bool
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// errorf returns an *Error with a formatted client message.
func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// invalid returns a 422 with field details.
func invalid(details ...FieldError) *Error {
	msg := "the request has invalid fields"
	if len(details) == 1 {
		msg = details[0].Field + ": " + details[0].Problem
	}
	return &Error{Code: CodeValidation, Message: msg, Details: details}
}

// internal wraps an unexpected error: the client sees only "internal error" and the request id.
func internal(err error) *Error {
	return &Error{Code: CodeInternal, Message: "internal error; quote the request id when reporting it", Err: err}
}

// unavailable wraps a failure of the chain node or the database that a retry may cure.
func unavailable(what string, err error) *Error {
	return &Error{Code: CodeUnavailable, Message: what + " is unavailable; retry later", Err: err}
}

// asError turns any error into an *Error: internal unless it already is one.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return internal(err)
}

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Code      Code         `json:"code"`
	Message   string       `json:"message"`
	Details   []FieldError `json:"details"`
	RequestID string       `json:"request_id"`
}

// maxDetails bounds the field details of one response (a 10,000-line batch may be all wrong).
const maxDetails = 100

func (e *Error) body(requestID string) []byte {
	d := e.Details
	if d == nil {
		d = []FieldError{}
	}
	if len(d) > maxDetails {
		d = append(d[:maxDetails:maxDetails], FieldError{Field: "", Problem: strconv.Itoa(len(e.Details)-maxDetails) + " more problems not shown"})
	}
	b, err := json.Marshal(errorBody{Code: e.Code, Message: e.Message, Details: d, RequestID: requestID})
	if err != nil { // cannot happen for these types
		return []byte(`{"code":"internal","message":"internal error","details":[],"request_id":""}`)
	}
	return b
}
