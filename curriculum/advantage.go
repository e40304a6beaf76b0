package curriculum

import (
	"fmt"
	"math"
)

// MaxGroup is the largest group size BinaryAdvantages accepts.
const MaxGroup = 1 << 24

// BinaryAdvantages returns GRPO's advantages (r − mean)/std (sample standard
// deviation) for a group of n binary rewards with wins successes, successes
// first. A group that is all successes or all failures has zero advantages.
// Their mean absolute value is 2·√(p(1−p))·√((n−1)/n) with p = wins/n: the
// signal DUMP and SEC average. It needs 1 ≤ n ≤ MaxGroup and
// 0 ≤ wins ≤ n, and allocates the n values.
func BinaryAdvantages(wins, n int) ([]float64, error) {
	if n <= 0 || n > MaxGroup || wins < 0 || wins > n {
		return nil, fmt.Errorf("%w: BinaryAdvantages(wins = %d, n = %d) (need 0 ≤ wins ≤ n, 1 ≤ n ≤ %d)", ErrInvalid, wins, n, MaxGroup)
	}
	adv := make([]float64, n)
	if wins == 0 || wins == n {
		return adv, nil
	}
	m := float64(wins) / float64(n)
	sd := math.Sqrt(m * (1 - m) * float64(n) / float64(n-1))
	for k := range adv {
		r := 0.0
		if k < wins {
			r = 1
		}
		adv[k] = (r - m) / sd
	}
	return adv, nil
}
