package grposim

import "errors"

// ErrInvalid reports an argument or configuration outside its domain.
var ErrInvalid = errors.New("grposim: invalid argument")
