package skill

import (
	"fmt"
	"slices"
)

// intEnum names v by its index in names, or prints type(v) for a value
// outside them.
func intEnum[T ~int](typ string, v T, names ...string) string {
	if v >= 0 && int(v) < len(names) {
		return names[v]
	}
	return fmt.Sprintf("%s(%d)", typ, int(v))
}

// stringEnum returns v if it is one of known, else type("v").
func stringEnum[T ~string](typ string, v T, known ...T) string {
	if slices.Contains(known, v) {
		return string(v)
	}
	return fmt.Sprintf("%s(%q)", typ, string(v))
}
