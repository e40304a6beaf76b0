package irt

import (
	"errors"
	"fmt"
)

// ErrInvalid reports an argument, configuration field or input value that is
// out of its domain: NaN or ±Inf where a finite number is required, a negative
// count, a probability outside [0, 1], mismatched lengths, or a Session not
// created with NewSession. Errors returned by this package wrap it with a
// message naming the offending field and value, so callers test with
// errors.Is(err, irt.ErrInvalid).
var ErrInvalid = errors.New("irt: invalid argument")

// ErrSnapshot reports a snapshot that cannot be restored: corrupt data, a
// field outside its domain, or a snapshot taken from a Session over another
// bank or with another configuration. A failed restore leaves the receiver
// unchanged.
var ErrSnapshot = errors.New("irt: cannot restore snapshot")

// errSingular reports information that cannot be inverted.
var errSingular = fmt.Errorf("%w: singular information matrix (items do not identify every dimension and there is no prior)", ErrInvalid)

// errNotCreated is returned by the methods of a zero Session.
var errNotCreated = fmt.Errorf("%w: Session not created with NewSession", ErrInvalid)
