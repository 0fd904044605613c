package model

import "fmt"

// Error is a client's mistake (a bad argument, an unknown block, a cursor that does not fit): its
// message is shown to the client as is. Every other error reaching the handler is logged and
// shown as an internal error.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// Errorf returns an *Error.
func Errorf(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }
