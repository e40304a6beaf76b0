package schedule

import "errors"

// ErrInvalid reports a parameter out of its domain: NaN or ±Inf where a
// finite number is required, a negative or zero count where a positive one
// is needed, mismatched lengths, or a value whose schedule would leave the
// finite range. Errors returned by this package wrap it with a message
// naming the offending parameter and value, so callers test with
// errors.Is(err, schedule.ErrInvalid).
var ErrInvalid = errors.New("schedule: invalid argument")
