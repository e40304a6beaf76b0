package stoprule

import "errors"

// ErrInvalid reports an argument, configuration field or input value that is
// out of its domain: NaN or ±Inf where a finite number is required, a
// negative count, mismatched lengths, a size above a documented limit, or a
// zero value used where a constructor was required. Errors returned by this
// package wrap it with a message naming the offending field and value, so
// callers test with errors.Is(err, stoprule.ErrInvalid).
var ErrInvalid = errors.New("stoprule: invalid argument")

// ErrSnapshot reports a snapshot that cannot be restored: corrupt data, a
// field outside its domain, or a snapshot taken from a controller of another
// kind, version or configuration. A failed restore leaves the receiver
// unchanged.
var ErrSnapshot = errors.New("stoprule: cannot restore snapshot")
