package budget

import (
	"fmt"
	"math"
)

// PromptStat is what an allocation preset knows about one prompt: whether
// it has a usable success-rate estimate yet, and the estimate p̂.
// estimate.Tracker's Estimate method returns exactly this pair.
type PromptStat struct {
	Valid bool
	P     float64
}

// KnapsackRLConfig configures KnapsackRL. Zero fields take the reference
// implementation's defaults.
type KnapsackRLConfig struct {
	// N is the uniform rollouts per prompt the budget is matched to, and
	// what prompts without a valid estimate receive. Default 8.
	N int
	// Budget is the total number of rollouts; zero means M·N.
	Budget int
	// MinN and MaxN bound the rollouts of mixed prompts (0 < p̂ < 1);
	// zero means 2 and 128 respectively.
	MinN, MaxN int
	// NegativeN and PositiveN are the rollouts of prompts with p̂ = 0 and
	// p̂ = 1. Default MinN.
	NegativeN, PositiveN int
	// Alpha is the confidence of the fallback's cost estimate: a mixed
	// prompt is expected to need ⌊log(1−α)/log(max(p̂, 1−p̂))⌋ rollouts
	// (capped at MaxN) to show both outcomes. Default 0.9.
	Alpha float64
	// NoFallback disables the fallback that hands the surplus (the budget
	// beyond what mixed prompts are expected to need) to p̂ = 0 prompts.
	NoFallback bool
	// CompatDP runs the reference's dynamic program with its arithmetic and
	// tie-breaking, to reproduce its counts: p̂ and the fallback's costs are
	// rounded to float32 as the reference stores them; the numba kernel
	// (used when mixed·rest·(MaxN−MinN) > 50,000) computes pᴺ in float32 and
	// the rest in float64, the numpy path (numpy < 2, as the reference pins)
	// computes everything in float64 with correctly rounded powers; ties keep
	// "no extra rollout", then the smallest k. It keeps the reference's
	// quirk: a mixed prompt given no rollouts beyond MinN scores 0 rather
	// than V(MinN), which pushes the program to give every mixed prompt at
	// least one extra rollout even when that is not optimal. The counts
	// equal those of a port of the reference (testdata/knapsack_ref.py) on
	// 400 random instances with exact 0/1 and duplicate p̂. Off by default:
	// the optimum (the greedy, exact for this concave value) is computed.
	CompatDP bool
}

// MaxKnapsackN bounds KnapsackRL's batch size and every per-prompt count in
// KnapsackRLConfig (2²⁴); the budget may be at most MaxKnapsackN²/4 (2⁴⁶),
// so no sum of counts can overflow.
const MaxKnapsackN = 1 << 24

// KnapsackRLInfo reports what KnapsackRL did.
type KnapsackRLInfo struct {
	// Mixed, Zero, One and Unseen count the prompts of each kind.
	Mixed, Zero, One, Unseen int
	// Fallback reports that the surplus was handed out; Surplus is how many
	// rollouts, and EffectiveRatio is (expected need)/(optimisable budget),
	// the reference's fallback_effective_ratio (1 without fallback).
	Fallback       bool
	Surplus        int
	EffectiveRatio float64
	// Spread is the number of rollouts that exceeded the mixed prompts'
	// capacity and were spread uniformly over them (beyond MaxN), as the
	// reference does.
	Spread int
}

// KnapsackRL allocates rollouts as the reference implementation of
// "Knapsack RL: Unlocking Exploration of LLMs via Optimizing Budget
// Allocation" does (sampling_budget_by_knapsack in
// github.com/liziniu/KnapsackRL), with its corner cases fixed:
//
//  1. Prompts without a valid estimate get N rollouts; p̂ = 0 prompts get
//     NegativeN, p̂ = 1 prompts PositiveN; mixed prompts start at MinN.
//  2. If no prompt is mixed, the rest of the budget goes round-robin to the
//     valid p̂ = 0 prompts, or, if there are none, the whole budget is
//     spread uniformly over all prompts (the reference resets everyone to N,
//     which only sums to the budget when Budget = M·N).
//  3. Otherwise, if the mixed prompts' expected need
//     Σ min(MaxN, ⌊log(1−α)/log(max(p̂,1−p̂))⌋) is below the rest of the
//     budget, the surplus goes round-robin to the valid p̂ = 0 prompts, else
//     to the other non-mixed prompts. Fixed here: the reference counts
//     prompts without an estimate as p̂ = 0 (their p̂ is stored as 0), and
//     divides by zero when every prompt is mixed; here unseen prompts are
//     never p̂ = 0, and with no candidate the surplus stays with the
//     optimiser.
//  4. The remaining budget is divided among the mixed prompts to maximise
//     Σ Knapsack{p̂}.V(n) within [MinN, MaxN]; what exceeds their capacity is
//     spread uniformly over them, as in the reference.
//
// The result always sums to Budget. p̂ must be in [0, 1] for valid prompts.
func KnapsackRL(stats []PromptStat, cfg KnapsackRLConfig) ([]int, KnapsackRLInfo, error) {
	var info KnapsackRLInfo
	c, err := cfg.normalise(len(stats))
	if err != nil {
		return nil, info, err
	}
	m := len(stats)
	counts := make([]int, m)
	var mixed, zeros, others []int
	for i, s := range stats {
		switch {
		case !s.Valid:
			counts[i] = c.N
			info.Unseen++
			others = append(others, i)
		case !(s.P >= 0 && s.P <= 1):
			return nil, info, fmt.Errorf("%w: stats[%d].P = %v (must be in [0, 1])", ErrInvalid, i, s.P)
		case s.P == 0:
			counts[i] = c.NegativeN
			info.Zero++
			zeros = append(zeros, i)
		case s.P == 1:
			counts[i] = c.PositiveN
			info.One++
			others = append(others, i)
		default:
			counts[i] = c.MinN
			info.Mixed++
			mixed = append(mixed, i)
		}
	}
	rest := c.Budget
	for _, n := range counts {
		rest -= n
	}
	if rest < 0 {
		return nil, info, fmt.Errorf("%w: budget %d is below the %d rollouts the initial allocation needs", ErrInfeasible, c.Budget, c.Budget-rest)
	}
	info.EffectiveRatio = 1
	if m == 0 {
		return counts, info, nil
	}
	if len(mixed) == 0 {
		if rest > 0 {
			if len(zeros) > 0 {
				ksRoundRobin(counts, zeros, rest)
			} else {
				for i := range counts {
					counts[i] = 0
				}
				ksRoundRobin(counts, ksAll(m), c.Budget)
			}
		}
		return counts, info, nil
	}
	if !c.NoFallback && rest > 0 {
		need := 0
		for _, i := range mixed {
			p := stats[i].P
			cost := math.Log(1-c.Alpha) / math.Log(math.Max(p, 1-p))
			if c.CompatDP {
				cost = float64(float32(cost)) // the reference's float32 costs array
			}
			need += int(math.Min(float64(c.MaxN), cost))
		}
		cands := zeros
		if len(cands) == 0 {
			cands = others
		}
		if need < rest && len(cands) > 0 {
			info.Fallback = true
			info.EffectiveRatio = float64(need) / float64(rest)
			info.Surplus = rest - need
			ksRoundRobin(counts, cands, rest-need)
			rest = need
		}
	}
	extra, err := ksOptimise(stats, mixed, rest, c)
	if err != nil {
		return nil, info, err
	}
	spent := 0
	for j, i := range mixed {
		counts[i] += extra[j]
		spent += extra[j]
	}
	if left := rest - spent; left > 0 {
		info.Spread = left
		ksRoundRobin(counts, mixed, left)
	}
	return counts, info, nil
}

func (cfg KnapsackRLConfig) normalise(m int) (KnapsackRLConfig, error) {
	if cfg.N == 0 {
		cfg.N = 8
	}
	if cfg.MinN == 0 {
		cfg.MinN = 2
	}
	if cfg.MaxN == 0 {
		cfg.MaxN = 128
	}
	if cfg.NegativeN == 0 {
		cfg.NegativeN = cfg.MinN
	}
	if cfg.PositiveN == 0 {
		cfg.PositiveN = cfg.MinN
	}
	if cfg.Alpha == 0 {
		cfg.Alpha = 0.9
	}
	if cfg.Budget == 0 && cfg.N <= MaxKnapsackN && m <= MaxKnapsackN {
		cfg.Budget = m * cfg.N
	}
	switch {
	case cfg.N > MaxKnapsackN || cfg.MinN > MaxKnapsackN || cfg.MaxN > MaxKnapsackN || cfg.NegativeN > MaxKnapsackN || cfg.PositiveN > MaxKnapsackN:
		return cfg, fmt.Errorf("%w: KnapsackRLConfig N = %d, MinN = %d, MaxN = %d, NegativeN = %d, PositiveN = %d (each must be ≤ MaxKnapsackN = %d)",
			ErrInvalid, cfg.N, cfg.MinN, cfg.MaxN, cfg.NegativeN, cfg.PositiveN, MaxKnapsackN)
	case m > MaxKnapsackN || cfg.Budget > MaxKnapsackN*MaxKnapsackN/4:
		return cfg, fmt.Errorf("%w: %d prompts, KnapsackRLConfig.Budget = %d (limits %d prompts, %d rollouts)", ErrInvalid, m, cfg.Budget, MaxKnapsackN, MaxKnapsackN*MaxKnapsackN/4)
	case cfg.N < 0:
		return cfg, fmt.Errorf("%w: KnapsackRLConfig.N = %d (must be ≥ 0)", ErrInvalid, cfg.N)
	case cfg.MinN < 0 || cfg.MaxN < cfg.MinN:
		return cfg, fmt.Errorf("%w: KnapsackRLConfig MinN = %d, MaxN = %d (need 0 ≤ MinN ≤ MaxN)", ErrInvalid, cfg.MinN, cfg.MaxN)
	case cfg.NegativeN < 0 || cfg.PositiveN < 0:
		return cfg, fmt.Errorf("%w: KnapsackRLConfig NegativeN = %d, PositiveN = %d (must be ≥ 0)", ErrInvalid, cfg.NegativeN, cfg.PositiveN)
	case !(cfg.Alpha > 0 && cfg.Alpha < 1):
		return cfg, fmt.Errorf("%w: KnapsackRLConfig.Alpha = %v (must be in (0, 1))", ErrInvalid, cfg.Alpha)
	case cfg.Budget < 0:
		return cfg, fmt.Errorf("%w: KnapsackRLConfig.Budget = %d (must be ≥ 0)", ErrInvalid, cfg.Budget)
	}
	return cfg, nil
}

// ksOptimise divides rest extra rollouts among the mixed prompts.
func ksOptimise(stats []PromptStat, mixed []int, rest int, c KnapsackRLConfig) ([]int, error) {
	if c.CompatDP {
		return ksReferenceDP(stats, mixed, rest, c)
	}
	items := make([]Item, len(mixed))
	capacity := 0
	for j, i := range mixed {
		items[j] = Item{Value: Knapsack{P: stats[i].P}, Min: c.MinN, Max: c.MaxN}
		capacity += c.MaxN - c.MinN
	}
	budget := float64(min(rest, capacity) + len(mixed)*c.MinN)
	a, err := Allocate(items, budget, AllocateConfig{Solver: SolverGreedy, Exact: true})
	if err != nil {
		return nil, err
	}
	for j := range a.Counts {
		a.Counts[j] -= c.MinN
	}
	return a.Counts, nil
}

// ksReferenceDP is the reference's dynamic program (solve_by_dp): dp[i][w]
// is the best value of the first i mixed prompts using exactly w extra
// rollouts, where k ≥ 1 extra rollouts score V(MinN+k) and k = 0 scores 0.
// The largest reachable w ≤ rest is backtracked; ties keep the earlier
// option (k = 0 first, then smaller k), as the reference's strict > does.
// The values use the reference's arithmetic on its float32 p̂, per path:
// the numba kernel when n·rest·(MaxN−MinN) > 50,000, else numpy (see
// ksGainNumba and ksGainNumpy).
func ksReferenceDP(stats []PromptStat, mixed []int, rest int, c KnapsackRLConfig) ([]int, error) {
	n := len(mixed)
	kmax := c.MaxN - c.MinN
	if work := int64(n) * int64(rest+1) * int64(kmax+1); work > 1e9 {
		return nil, fmt.Errorf("%w: reference DP work %d exceeds 1e9", ErrTooLarge, work)
	}
	if rest <= 0 {
		return make([]int, n), nil
	}
	numba := int64(n)*int64(rest)*int64(kmax) > 50000
	w1 := rest + 1
	dp := make([]float64, (n+1)*w1)
	choice := make([]int32, (n+1)*w1)
	for w := 1; w <= rest; w++ {
		dp[w] = math.Inf(-1)
	}
	vals := make([]float64, kmax+1)
	for i := 1; i <= n; i++ {
		p32 := float32(stats[mixed[i-1]].P)
		for k := 1; k <= kmax; k++ {
			switch {
			case p32 == 0 || p32 == 1:
				vals[k] = 0
			case numba:
				vals[k] = ksGainNumba(p32, k+c.MinN)
			default:
				vals[k] = ksGainNumpy(p32, k+c.MinN)
			}
		}
		prev, cur := dp[(i-1)*w1:i*w1], dp[i*w1:(i+1)*w1]
		ch := choice[i*w1 : (i+1)*w1]
		for w := 0; w <= rest; w++ {
			cur[w] = math.Inf(-1)
			ch[w] = -1
			if prev[w] > cur[w] {
				cur[w], ch[w] = prev[w], 0
			}
			for k := 1; k <= kmax && k <= w; k++ {
				if math.IsInf(prev[w-k], -1) {
					continue
				}
				if v := prev[w-k] + vals[k]; v > cur[w] {
					cur[w], ch[w] = v, int32(k)
				}
			}
		}
	}
	extra := make([]int, n)
	w := rest
	for w > 0 && math.IsInf(dp[n*w1+w], -1) {
		w--
	}
	for i := n; i >= 1 && w > 0; i-- {
		if k := int(choice[i*w1+w]); k > 0 {
			extra[i-1] += k
			w -= k
		}
	}
	return extra, nil
}

// ksGainNumba is V(N) = (1 − pᴺ − qᴺ)·p·q² as the reference's numba kernel
// evaluates it: p is float32 and float32 ** int64 stays float32, computed by
// numba's exponentiation by squaring with a float32 product at each step;
// 1 − pᴺ promotes to float64 (int64 op float32), q = 1 − p, qᴺ and q² are
// float64, by squaring as well; the products run left to right.
func ksGainNumba(p float32, n int) float64 {
	pn := float32(1)
	a := p
	for e := n; e != 0; e >>= 1 {
		if e&1 == 1 {
			pn = float32(pn * a)
		}
		a = float32(a * a)
	}
	q := 1 - float64(p)
	return (1 - float64(pn) - ksPowSquare(q, n)) * float64(p) * ksPowSquare(q, 2)
}

// ksPowSquare is numba's int_power for float64: exponentiation by squaring.
func ksPowSquare(a float64, n int) float64 {
	r := 1.0
	for ; n != 0; n >>= 1 {
		if n&1 == 1 {
			r *= a
		}
		a *= a
	}
	return r
}

// ksGainNumpy is V(N) as the reference's numpy path evaluates it under the
// numpy < 2 it pins: np.float32 ** int promotes to float64, so every
// operation is float64 from s = float64(p), with powers by the C library's
// pow, which is correctly rounded (ksPowCR) in all but rare cases. (On
// AVX-512 machines numpy 1.x evaluates these powers with SVML, whose last
// bit can differ; the reference is then not reproducible across machines.)
func ksGainNumpy(p float32, n int) float64 {
	s := float64(p)
	q := 1 - s
	return (1 - ksPowCR(s, n) - ksPowCR(q, n)) * s * ksPowCR(q, 2)
}

// ksPowCR returns xⁿ (x ≥ 0, n ≥ 0) correctly rounded in all but
// pathological cases: exponentiation by squaring in double-double
// arithmetic (error-free products by FMA), ~104 bits, rounded once.
func ksPowCR(x float64, n int) float64 {
	rh, rl := 1.0, 0.0
	ah, al := x, 0.0
	mul := func(xh, xl, yh, yl float64) (float64, float64) {
		p := xh * yh
		e := math.FMA(xh, yh, -p) + (xh*yl + xl*yh)
		s := p + e
		return s, e - (s - p)
	}
	for ; n != 0; n >>= 1 {
		if n&1 == 1 {
			rh, rl = mul(rh, rl, ah, al)
		}
		if n > 1 {
			ah, al = mul(ah, al, ah, al)
		}
	}
	return rh + rl
}

// ksRoundRobin adds total rollouts to the given prompts: an equal share
// each, the remainder to the first ones.
func ksRoundRobin(counts []int, idx []int, total int) {
	if len(idx) == 0 || total <= 0 {
		return
	}
	base, rem := total/len(idx), total%len(idx)
	for j, i := range idx {
		counts[i] += base
		if j < rem {
			counts[i]++
		}
	}
}

func ksAll(m int) []int {
	idx := make([]int, m)
	for i := range idx {
		idx[i] = i
	}
	return idx
}
