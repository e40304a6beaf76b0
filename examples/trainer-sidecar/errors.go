package main

import (
	"errors"
	"fmt"
	"net/http"
)

// The service's error kinds. Each maps to one HTTP status and one
// machine-readable code in the {"error": {"code", "message"}} body.
var (
	errInvalid        = errors.New("invalid argument")
	errInfeasible     = errors.New("infeasible")
	errSnapshotData   = errors.New("invalid snapshot")
	errUnknownSession = errors.New("unknown session")
	errSessionExists  = errors.New("session exists with other settings")
	errReplay         = errors.New("already applied")
	errTooLarge       = errors.New("request too large")
	errUnauthorized   = errors.New("unauthorized")
	errNotFound       = errors.New("not found")
	errMethod         = errors.New("method not allowed")
)

// errorKinds lists each error kind's status and code, first match wins.
var errorKinds = []struct {
	err    error
	status int
	code   string
}{
	{errInvalid, http.StatusBadRequest, "invalid_argument"},
	{errInfeasible, http.StatusBadRequest, "infeasible"},
	{errSnapshotData, http.StatusBadRequest, "invalid_snapshot"},
	{errUnknownSession, http.StatusNotFound, "unknown_session"},
	{errSessionExists, http.StatusConflict, "session_exists"},
	{errReplay, http.StatusConflict, "already_applied"},
	{errTooLarge, http.StatusRequestEntityTooLarge, "request_too_large"},
	{errUnauthorized, http.StatusUnauthorized, "unauthorized"},
	{errNotFound, http.StatusNotFound, "not_found"},
	{errMethod, http.StatusMethodNotAllowed, "method_not_allowed"},
}

// classify returns the HTTP status and code of err; anything unknown is a
// 500 "internal".
func classify(err error) (int, string) {
	for _, k := range errorKinds {
		if errors.Is(err, k.err) {
			return k.status, k.code
		}
	}
	return http.StatusInternalServerError, "internal"
}

// invalidf returns an error wrapping errInvalid; the message names the field
// and its value.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errInvalid, fmt.Sprintf(format, args...))
}
