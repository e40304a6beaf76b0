package curriculum

import "math"

// BinaryAdvantages returns GRPO's advantages (r − mean)/std (sample standard
// deviation) for a group of n binary rewards with wins successes, successes
// first. A group that is all successes or all failures has zero advantages.
// Their mean absolute value is 2·√(p(1−p))·√((n−1)/n) with p = wins/n: the
// signal DUMP and SEC average.
func BinaryAdvantages(wins, n int) []float64 {
	if n <= 0 || wins < 0 || wins > n {
		return nil
	}
	adv := make([]float64, n)
	if wins == 0 || wins == n {
		return adv
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
	return adv
}
