package irt

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPrunedSelectionMatchesFullScan checks that the bound-ordered, pruned
// scan returns exactly the items a full pass in index order would (best
// score, ties to the lowest index; the whole top k for randomesque), on 1-D
// banks of 2PL, 3PL and 4PL items with costs, for every rule.
func TestPrunedSelectionMatchesFullScan(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for trial := 0; trial < 60; trial++ {
		n := 50 + r.IntN(400)
		bank := make([]Item, n)
		costs := make([]float64, n)
		for j := range bank {
			a := 0.3 + 2*r.Float64()
			if r.IntN(5) == 0 {
				a = 1 // many equal bounds
			}
			bank[j] = Item{A: []float64{a}, D: -3 + 6*r.Float64()}
			switch r.IntN(3) {
			case 1:
				bank[j].C = 0.3 * r.Float64()
			case 2:
				bank[j].C, bank[j].U = 0.2*r.Float64(), 0.8+0.2*r.Float64()
			}
			costs[j] = 1 + float64(r.IntN(3)) // ties in cost too
		}
		k := 1 + r.IntN(4)
		cfg := SessionConfig{Selection: Selection(1 + r.IntN(3)), Costs: costs, CostExponent: float64(r.IntN(3)) / 2,
			Randomesque: k, Budget: float64(r.IntN(2)) * 30, Stopping: Stopping{MaxItems: -1}}
		s, err := NewSession(bank, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for step := 0; step < 15; step++ {
			want := fullScanTop(s, k)
			s.selectItem()
			got := s.topIdx[:min(k, len(want))]
			for q := range want {
				if got[q] != want[q] {
					t.Fatalf("trial %d step %d (%v, γ %v, k %d): top %v, full scan %v", trial, step, cfg.Selection, cfg.CostExponent, k, got, want)
				}
			}
			if len(want) == 0 {
				break
			}
			j := want[0]
			_ = s.Observe(j, float64(r.IntN(2)), costs[j])
		}
	}
}

// fullScanTop ranks every eligible item by score, ties to the lower index,
// and returns the best k.
func fullScanTop(s *Session, k int) []int {
	rem := s.remaining()
	var top []int
	var val []float64
	for j := range s.bank {
		if s.administered[j] || s.costs[j] > rem {
			continue
		}
		v := s.gain(j) / math.Pow(s.costs[j], s.cfg.CostExponent)
		if math.IsNaN(v) {
			v = math.Inf(-1)
		}
		p := len(top)
		for p > 0 && v > val[p-1] {
			p--
		}
		top = append(top[:p], append([]int{j}, top[p:]...)...)
		val = append(val[:p], append([]float64{v}, val[p:]...)...)
		if len(top) > k {
			top, val = top[:k], val[:k]
		}
	}
	return top
}
