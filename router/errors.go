package router

import "errors"

// ErrInvalid reports an argument, configuration field or input value that is
// out of its domain: NaN or ±Inf where a finite number is required, a negative
// count or amount of money, a probability outside [0, 1], mismatched lengths,
// an unknown tenant or account, a zero value not created with its NewX.
// Errors returned by this package wrap it with a message naming the
// offending field and value, so callers test with errors.Is(err,
// router.ErrInvalid).
var ErrInvalid = errors.New("router: invalid argument")

// ErrSnapshot reports a snapshot that cannot be restored: corrupt data, or a
// snapshot taken from an object of another kind, version or configuration,
// or a field outside its domain. A failed restore leaves the receiver
// unchanged.
var ErrSnapshot = errors.New("router: cannot restore snapshot")

// ErrRejected reports a request that a router declined to serve: a guard
// judged it out of domain, or a pacer configured to reject found that no
// model fits the remaining budget. The returned Choice has Rejected set and
// a Reason.
var ErrRejected = errors.New("router: request rejected")

// ErrBudgetExhausted reports that no model's predicted cost fits the budget
// that remains after settled spend and outstanding reservations (or, from a
// Ledger, that an account lacks room). It wraps ErrRejected, so
// errors.Is(err, ErrRejected) also holds.
var ErrBudgetExhausted error = &wrapped{msg: "router: budget exhausted", parent: ErrRejected}

// ErrUnknownReservation reports a settlement or release of a reservation
// that is not live: never issued, already settled, released or expired, or
// issued by another pacer or ledger.
var ErrUnknownReservation = errors.New("router: unknown reservation")

// ErrInfeasible reports a batch or cascade problem with no solution under the
// given budget (even the cheapest choice for every query costs too much).
var ErrInfeasible = errors.New("router: infeasible under the budget")

// ErrLedgerUnavailable reports that a Ledger could not be reached (a
// network or server failure), as distinct from a refusal on its merits.
// Callers choose fail-closed (reject) or fail-open (serve up to a local cap).
var ErrLedgerUnavailable = errors.New("router: ledger unavailable")

// wrapped is a sentinel that also matches a parent sentinel.
type wrapped struct {
	msg    string
	parent error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.parent }
