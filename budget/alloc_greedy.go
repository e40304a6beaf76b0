package budget

import (
	"fmt"
	"math"
)

// entry is a heap entry: the gain per cost of an item's next rollout.
type entry struct {
	key float64
	i   int32
}

// maxHeap is a 4-ary max-heap of entries ordered by key, ties by lower
// index. The root sits at position heapPad, so the four children of the
// entry at position j occupy 4j−8 … 4j−5: one aligned 64-byte cache line
// (entries are 16 bytes and large slices are page-aligned). Positions below
// heapPad are unused.
type maxHeap []entry

const heapPad = 3

func after(a, b *entry) bool {
	return a.key > b.key || (a.key == b.key && a.i < b.i)
}

// down restores the heap order below position j by moving a hole.
func (h maxHeap) down(j int) {
	n := len(h)
	if j >= n {
		return
	}
	e := h[j]
	for {
		c := 4*j - 8
		if c >= n {
			break
		}
		best := c
		end := min(c+4, n)
		for k := c + 1; k < end; k++ {
			if after(&h[k], &h[best]) {
				best = k
			}
		}
		if !after(&h[best], &e) {
			break
		}
		h[j] = h[best]
		j = best
	}
	h[j] = e
}

func (h maxHeap) init() {
	for j := len(h) - 1; j >= heapPad; j-- {
		h.down(j)
	}
}

// greedy implements SolverGreedy and SolverRatioGreedy starting from counts
// (each at its item's Min) with p.rest to spend.
func (p *problem) greedy(counts []int) error {
	return p.greedyFrom(counts, p.rest)
}

// noWarm disables warmStart; tests use it to check that the warm start
// changes nothing.
var noWarm = false

// slot is the per-item state of the greedy, packed so that one step
// touches one cache line besides the heap.
type slot struct {
	st   stepState
	g    float64 // gain of the next rollout
	step stepper // nil when the value has no recurrence
	cost float64
	n    int32
	hi   int32
}

// greedyFrom runs the greedy from arbitrary counts with rest budget left.
// It allocates only the heap and the per-item slots: O(M) memory, nothing
// per step.
func (p *problem) greedyFrom(counts []int, rest float64) error {
	exact := p.opts.Exact
	m := len(p.items)
	h := make(maxHeap, heapPad, m+heapPad)
	slots := make([]slot, m)
	for i, it := range p.items {
		n := counts[i]
		if n >= p.hi[i] {
			continue
		}
		sl := &slots[i]
		sl.cost, sl.n, sl.hi = p.cost[i], int32(n), int32(p.hi[i])
		var g float64
		if s, ok := it.Value.(stepper); ok {
			sl.step = s
			g, sl.st = s.first(n)
		} else {
			g = it.Value.Gain(n)
		}
		if math.IsNaN(g) || g < 0 {
			return fmt.Errorf("%w: items[%d].Value.Gain(%d) = %v (must be ≥ 0)", ErrInvalid, i, n, g)
		}
		if g == 0 && !exact {
			continue
		}
		sl.g = g
		h = append(h, entry{key: g / p.cost[i], i: int32(i)})
	}
	tol := 1e-9 * math.Max(1, p.budget)
	if p.equal && len(h) > heapPad && !noWarm {
		rest = p.warmStart(h, slots, rest, tol)
	}
	h.init()
	var err error
	for len(h) > heapPad {
		i := int(h[heapPad].i)
		sl := &slots[i]
		if h[heapPad].key < 0 {
			h.pop0()
			continue
		}
		c := sl.cost
		if c > rest+tol {
			if p.equal {
				break // nothing else fits either
			}
			h.pop0()
			continue
		}
		sl.n++
		rest -= c
		if sl.n >= sl.hi {
			h.pop0()
			continue
		}
		var g float64
		if sl.step != nil {
			g = sl.step.next(&sl.st)
		} else {
			g = p.items[i].Value.Gain(int(sl.n))
		}
		if math.IsNaN(g) || g < 0 {
			err = fmt.Errorf("%w: items[%d].Value.Gain(%d) = %v (must be ≥ 0)", ErrInvalid, i, sl.n, g)
			break
		}
		if g == 0 && !exact {
			h.pop0()
			continue
		}
		sl.g = g
		h[heapPad].key = g / c
		h.down(heapPad)
	}
	if err != nil {
		return err
	}
	for i := range slots {
		if slots[i].hi > 0 {
			counts[i] = int(slots[i].n)
		}
	}
	return nil
}

// pop0 removes the top entry.
func (h *maxHeap) pop0() {
	old := *h
	n := len(old) - 1
	old[heapPad] = old[n]
	*h = old[:n]
	(*h).down(heapPad)
}

// warmStart advances the greedy in bulk when costs are equal and every value
// in the heap has a recurrence. The greedy takes the R largest increments
// (R = rollouts the budget affords); for concave values every increment
// whose gain exceeds a threshold λ is among them whenever fewer than R
// increments exceed λ. warmStart bisects on λ, walking each item's
// recurrence (a few multiplications per rollout, no heap work), until the
// increments above λ nearly exhaust R, takes them all, and leaves the few
// remaining rollouts to the heap. The result is exactly the greedy's. It
// updates h's keys and the slots and returns the budget left.
func (p *problem) warmStart(h maxHeap, slots []slot, rest, tol float64) float64 {
	entries := h[heapPad:]
	for _, e := range entries {
		if slots[e.i].step == nil {
			return rest
		}
	}
	c := slots[entries[0].i].cost
	r := int(math.Floor((rest + tol) / c))
	m := len(entries)
	if r <= 2*m {
		return rest // the heap alone is cheap enough
	}
	// count returns the number of increments with gain/c > λ, stopping early
	// once it exceeds r; commit also moves the slots past them.
	walk := func(lambda float64, commit bool) int {
		total := 0
		for _, e := range entries {
			sl := &slots[e.i]
			n0, g0, st0 := sl.n, sl.g, sl.st
			for sl.n < sl.hi && sl.g/c > lambda {
				sl.n++
				if sl.n < sl.hi {
					sl.g = sl.step.next(&sl.st)
				}
			}
			total += int(sl.n - n0)
			if !commit {
				sl.n, sl.g, sl.st = n0, g0, st0
				if total > r {
					return total
				}
			}
		}
		return total
	}
	lo, hi := 0.0, 0.0
	for _, e := range entries {
		hi = math.Max(hi, e.key)
	}
	if math.IsInf(hi, 1) || walk(lo, false) <= r {
		return rest // everything positive fits: the heap finishes quickly
	}
	slack := max(64, m/8)
	for iter := 0; iter < 200; iter++ {
		mid := lo + (hi-lo)/2
		if lo > 0 && hi/lo > 4 {
			mid = math.Sqrt(lo * hi)
		}
		if mid <= lo || mid >= hi {
			break
		}
		k := walk(mid, false)
		if k > r {
			lo = mid
		} else {
			hi = mid
			if r-k <= slack {
				break
			}
		}
	}
	taken := walk(hi, true)
	for j := range entries {
		sl := &slots[entries[j].i]
		if sl.n >= sl.hi {
			entries[j].key = -1 // exhausted: sinks, removed when it surfaces
		} else {
			entries[j].key = sl.g / c
		}
	}
	return rest - float64(taken)*c
}
