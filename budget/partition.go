package budget

import (
	"fmt"
	"sort"

	"github.com/budgetkit/budgetkit/internal/num"
)

// MaxPartition bounds BalancedPartition's total rollouts and workers.
const MaxPartition = 1 << 26

// BalancedPartition splits the rollouts of an allocation into worker shards
// of near-equal load, as a trainer must before generation. counts[i] is the
// number of rollouts of prompt i and load[i] the cost of each (its expected
// length, say; nil means 1 for all). Each shard lists prompt indices, one
// entry per rollout.
//
// It uses longest-processing-time-first: rollouts are taken in decreasing
// load (ties by prompt index) and each goes to the currently least-loaded
// worker (ties by fewer rollouts, then worker index). The makespan is within 4/3 − 1/(3W) of the
// optimum (Graham 1969); with equal loads the shard sizes differ by at most
// one. O(R log R + R log W) for R rollouts. R and workers must be at most
// MaxPartition (the result holds one int per rollout); loads above 1 are
// divided by the largest, so sums of loads up to 1.8e308 cannot overflow.
func BalancedPartition(counts []int, load []float64, workers int) ([][]int, error) {
	if workers <= 0 || workers > MaxPartition {
		return nil, fmt.Errorf("%w: workers = %d (must be in (0, MaxPartition = %d])", ErrInvalid, workers, MaxPartition)
	}
	if load != nil && len(load) != len(counts) {
		return nil, fmt.Errorf("%w: len(load) = %d, len(counts) = %d (must match)", ErrInvalid, len(load), len(counts))
	}
	total := 0
	for i, n := range counts {
		if n < 0 {
			return nil, fmt.Errorf("%w: counts[%d] = %d (must be ≥ 0)", ErrInvalid, i, n)
		}
		if load != nil && (!num.IsFinite(load[i]) || load[i] < 0) {
			return nil, fmt.Errorf("%w: load[%d] = %v (must be finite and ≥ 0)", ErrInvalid, i, load[i])
		}
		if n > MaxPartition-total {
			return nil, fmt.Errorf("%w: counts sum past MaxPartition = %d rollouts at counts[%d] = %d", ErrInvalid, MaxPartition, i, n)
		}
		total += n
	}
	div := 1.0 // loads are divided by the largest, so sums stay finite
	for _, l := range load {
		div = max(div, l)
	}
	order := make([]int, len(counts))
	for i := range order {
		order[i] = i
	}
	if load != nil {
		sort.SliceStable(order, func(a, b int) bool { return load[order[a]] > load[order[b]] })
	}
	shards := make([][]int, workers)
	for w := range shards {
		shards[w] = make([]int, 0, total/workers+1)
	}
	// Min-heap of workers by (load, rollouts, index).
	type worker struct {
		load  float64
		count int
		id    int
	}
	h := make([]worker, workers)
	for w := range h {
		h[w] = worker{id: w}
	}
	less := func(a, b worker) bool {
		if a.load != b.load {
			return a.load < b.load
		}
		if a.count != b.count {
			return a.count < b.count
		}
		return a.id < b.id
	}
	down := func(j int) {
		for {
			l := 2*j + 1
			if l >= len(h) {
				return
			}
			c := l
			if r := l + 1; r < len(h) && less(h[r], h[l]) {
				c = r
			}
			if !less(h[c], h[j]) {
				return
			}
			h[j], h[c] = h[c], h[j]
			j = c
		}
	}
	for _, i := range order {
		l := 1.0
		if load != nil {
			l = load[i] / div
		}
		for k := 0; k < counts[i]; k++ {
			shards[h[0].id] = append(shards[h[0].id], i)
			h[0].load += l
			h[0].count++
			down(0)
		}
	}
	return shards, nil
}
