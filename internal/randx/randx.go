// Package randx derives independent, reproducible random streams from one
// seed. budgetkit never uses a global RNG: callers pass a *rand.Rand or a
// seed, and packages that need several streams (one per worker, per arm, per
// epoch) derive them here so that results do not depend on scheduling.
package randx

import "math/rand/v2"

// Mix returns a well-mixed 64-bit hash of its arguments (SplitMix64's
// finaliser applied to a running combination). Equal inputs give equal
// outputs; it is the basis of counter-based draws.
func Mix(xs ...uint64) uint64 {
	h := uint64(0x9e3779b97f4a7c15)
	for _, x := range xs {
		h = splitmix(h ^ splitmix(x+0x632be59bd9b4e019))
	}
	return h
}

func splitmix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// New returns a *rand.Rand backed by a PCG source whose state is derived from
// seed and the stream labels. Different labels give statistically independent
// streams; the same arguments always give the same stream.
func New(seed uint64, stream ...uint64) *rand.Rand {
	return rand.New(NewPCG(seed, stream...))
}

// NewPCG is New's source, exposed so callers can checkpoint it
// (rand.PCG implements encoding.BinaryMarshaler).
func NewPCG(seed uint64, stream ...uint64) *rand.PCG {
	args := make([]uint64, 0, len(stream)+1)
	args = append(args, seed)
	args = append(args, stream...)
	a := Mix(args...)
	return rand.NewPCG(a, splitmix(a^0xd1b54a32d192ed03))
}

// Float64 returns a uniform number in [0, 1) determined only by its
// arguments: a counter-based draw for callers (data-loader workers, say) that
// must agree on a value without sharing an RNG.
func Float64(xs ...uint64) float64 {
	return float64(Mix(xs...)>>11) * 0x1p-53
}
