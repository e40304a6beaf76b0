package skill

import (
	"errors"
	"fmt"
)

// ErrInvalid reports an argument, configuration field or input value that is
// out of its domain: NaN or ±Inf where a finite number is required, a negative
// count, a probability outside [0, 1], mismatched lengths. Errors returned by
// this package wrap it with a message naming the offending field and value,
// so callers test with errors.Is(err, skill.ErrInvalid).
var ErrInvalid = errors.New("skill: invalid argument")

// ErrSnapshot reports a snapshot that cannot be restored: corrupt data, or a
// snapshot taken from an object of another kind, version or configuration.
// A failed restore leaves the receiver unchanged.
var ErrSnapshot = errors.New("skill: cannot restore snapshot")

// ErrProtocol reports a Tell that does not answer the pending task.
var ErrProtocol = errors.New("skill: reply does not answer the pending task")

// ErrOverBudget reports a change beyond a step's limits.
var ErrOverBudget = errors.New("skill: change exceeds the step's budget")

// Errors an edit can fail with; EditError wraps one of them.
var (
	ErrUnknownOp       = errors.New("skill: unknown edit op")
	ErrEmptyEdit       = errors.New("skill: empty target or content")
	ErrAnchorMissing   = errors.New("skill: target not found")
	ErrAnchorAmbiguous = errors.New("skill: target matches more than once")
	ErrOverlap         = errors.New("skill: edits overlap")
	ErrProtected       = errors.New("skill: edit touches a protected region")
	ErrNoOp            = errors.New("skill: edit changes nothing")
)

// ErrReplay reports a replayed run that asks for a call the recording does
// not hold.
var ErrReplay = errors.New("skill: replay diverged from the recording")

var errGuidanceMarkers = fmt.Errorf("%w: slow-update guidance contains protected-region markers", ErrInvalid)
