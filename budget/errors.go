package budget

import "errors"

// ErrInvalid reports an argument, configuration field or input value that is
// out of its domain: NaN or ±Inf where a finite number is required, a
// negative count, a probability outside [0, 1], mismatched lengths, or a
// size above a documented limit. Errors returned by this package wrap it
// with a message naming the offending field and value, so callers test with
// errors.Is(err, budget.ErrInvalid).
var ErrInvalid = errors.New("budget: invalid argument")

// ErrInfeasible reports constraints that no solution satisfies, such as a
// budget below Σ Min·Cost.
var ErrInfeasible = errors.New("budget: infeasible constraints")

// ErrTooLarge reports an instance above a solver's work limit (the exact
// DP's DPWorkLimit, or the greedy solvers' bound on heap operations).
var ErrTooLarge = errors.New("budget: instance too large for the solver")
