// Package backend holds Tessera's domain types, the interfaces its services
// implement and the one error type every layer speaks. It does no I/O.
package backend

import (
	"errors"
	"fmt"
)

// Error codes. The API maps each to one HTTP status; the CLI prints Message.
const (
	ECONFLICT     = "conflict"     // a unique name is taken
	EINTERNAL     = "internal"     // a bug or an unexpected failure
	EINVALID      = "invalid"      // the input is wrong; Message says how
	ENOTFOUND     = "not_found"    // the thing asked for does not exist
	EUNAUTHORIZED = "unauthorized" // no valid session
	EFORBIDDEN    = "forbidden"    // the caller's role does not allow it
	ETOOLARGE     = "too_large"    // over a configured limit
	ETOOMANY      = "too_many"     // too many attempts: wait, then try again
)

// Error is an error a user can act on: a code for programs, a message for people.
type Error struct {
	Code    string
	Message string
	// Fields says what is wrong with each field of a form, when the
	// input was one (a training job's config).
	Fields []FieldError
}

// FieldError is one form field's problem.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf builds an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or a
// generic text for internal errors, whose details are logged, not shown.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	}
	return "internal error"
}

// ErrorMessageOrText is ErrorMessage for *Error chains and err.Error() for
// others: for reports that list failures to the operator who can act on the
// detail (an import's failed files).
func ErrorMessageOrText(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// ErrorFields returns the field errors of the first *Error in err's chain.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
