package router

import "errors"

// ErrRejected reports a request that a router declined to serve: a guard
// judged it out of domain, or a pacer configured to reject found that no
// model fits the remaining budget. The returned Choice has Rejected set and
// a Reason.
var ErrRejected = errors.New("router: request rejected")

// ErrBudgetExhausted reports that no model's predicted cost fits the budget
// that remains after settled spend and outstanding reservations. It wraps
// ErrRejected, so errors.Is(err, ErrRejected) also holds.
var ErrBudgetExhausted = errorsJoin("router: budget exhausted", ErrRejected)

// ErrUnknownReservation reports an Observe for a reservation the pacer does
// not hold: never issued, already settled, or issued by another pacer.
var ErrUnknownReservation = errors.New("router: unknown reservation")

// ErrInfeasible reports a batch or cascade problem with no solution under the
// given budget (even the cheapest choice for every query costs too much).
var ErrInfeasible = errors.New("router: infeasible under the budget")

// wrapped is a sentinel that also matches a parent sentinel.
type wrapped struct {
	msg    string
	parent error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.parent }

func errorsJoin(msg string, parent error) error { return &wrapped{msg: msg, parent: parent} }

// ErrLedgerUnavailable reports that a Ledger could not be reached (a
// network or server failure), as distinct from a refusal on its merits.
// Callers choose fail-closed (reject) or fail-open (serve up to a local cap).
var ErrLedgerUnavailable = errors.New("router: ledger unavailable")
