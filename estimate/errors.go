package estimate

import "errors"

// ErrInvalid reports an argument, configuration field or input value that is
// out of its domain: NaN or ±Inf where a finite number is required, a negative
// count, a probability outside [0, 1], mismatched lengths. Errors returned by
// this package wrap it with a message naming the offending field and value,
// so callers test with errors.Is(err, estimate.ErrInvalid).
var ErrInvalid = errors.New("estimate: invalid argument")

// ErrSnapshot reports a snapshot that cannot be restored: corrupt data, or a
// snapshot taken from an object of another kind, version or configuration.
// A failed restore leaves the receiver unchanged.
var ErrSnapshot = errors.New("estimate: cannot restore snapshot")
