package curriculum

import (
	"errors"
	"fmt"
)

// ErrInvalid reports an argument, configuration field or input value that is
// out of its domain: NaN or ±Inf where a finite number is required, a negative
// count, a probability outside [0, 1], mismatched lengths, a size above the
// package's limits, or a method called on a zero value not created with its
// constructor. Errors returned by this package wrap it with a message naming
// the offending field and value, so callers test with
// errors.Is(err, curriculum.ErrInvalid).
var ErrInvalid = errors.New("curriculum: invalid argument")

// ErrSnapshot reports a snapshot that cannot be restored: corrupt data, or a
// snapshot taken from an object of another kind, version or configuration,
// or one holding a value outside its field's domain. A failed restore leaves
// the receiver unchanged.
var ErrSnapshot = errors.New("curriculum: cannot restore snapshot")

// ErrStepApplied reports an Update for a step not after the last one
// applied: replaying a step after a crash is refused, not double-counted.
var ErrStepApplied = errors.New("curriculum: step already applied")

// ErrUnknownArm reports an arm name or index the sampler or pool does not
// have.
var ErrUnknownArm = errors.New("curriculum: unknown arm")

// errNotCreated is what every method of a zero-value Sampler returns.
var errNotCreated = fmt.Errorf("%w: Sampler not created with NewSampler", ErrInvalid)
