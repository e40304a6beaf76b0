// Package readmecheck holds a test that type-checks every Go snippet of the
// top-level README against the current API, so that the README cannot drift
// from the code. It has no exported API.
package readmecheck
