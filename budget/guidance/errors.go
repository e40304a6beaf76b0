package guidance

import "errors"

// ErrInvalid reports an argument, configuration field or input value that is
// out of its domain: NaN or ±Inf where a finite number is required, a
// negative count, mismatched lengths, a size above a documented limit, or a
// zero value used where a constructor was required. Errors returned by this
// package wrap it with a message naming the offending field and value, so
// callers test with errors.Is(err, guidance.ErrInvalid).
var ErrInvalid = errors.New("guidance: invalid argument")

// ErrSnapshot reports a snapshot that cannot be restored: corrupt data, a
// field outside its domain, or a snapshot taken from an object of another
// kind, version or configuration. A failed restore leaves the receiver
// unchanged.
var ErrSnapshot = errors.New("guidance: cannot restore snapshot")

// ErrHeadMismatch reports a head whose vocabulary does not match the logits.
var ErrHeadMismatch = errors.New("guidance: head does not match logits")

// ErrSafetensors reports a malformed safetensors file: a bad header, an
// unsupported dtype, offsets that do not tile the data buffer, a truncated or
// oversized file, or missing or mis-shaped head tensors.
var ErrSafetensors = errors.New("guidance: malformed safetensors")
