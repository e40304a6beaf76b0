package router

import (
	"errors"
	"math"
	"testing"

	"github.com/budgetkit/budgetkit/internal/randx"
)

func randomBatch(seed uint64, n, m int) (q, c [][]float64) {
	r := randx.New(seed, 3)
	q, c = make([][]float64, n), make([][]float64, n)
	for i := range q {
		q[i], c[i] = make([]float64, m), make([]float64, m)
		for k := 0; k < m; k++ {
			q[i][k] = r.Float64()
			c[i][k] = math.Round(r.Float64()*10) / 2 // ties and zero costs
		}
	}
	return q, c
}

// exhaustive returns the best total quality within budget by enumeration.
func exhaustive(q, c [][]float64, budget float64) (best float64, ok bool) {
	n, m := len(q), len(q[0])
	x := make([]int, n)
	for {
		var tq, tc float64
		for i, k := range x {
			tq += q[i][k]
			tc += c[i][k]
		}
		if tc <= budget && (!ok || tq > best) {
			best, ok = tq, true
		}
		i := 0
		for ; i < n; i++ {
			x[i]++
			if x[i] < m {
				break
			}
			x[i] = 0
		}
		if i == n {
			return best, ok
		}
	}
}

func TestAssignBatchWithinGapOfExhaustive(t *testing.T) {
	for seed := uint64(1); seed <= 200; seed++ {
		n, m := 3+int(seed%5), 2+int(seed%3)
		q, c := randomBatch(seed, n, m)
		var minC, maxC float64
		for i := range c {
			lo, hi := math.Inf(1), 0.0
			for _, v := range c[i] {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
			minC += lo
			maxC += hi
		}
		budget := minC + (maxC-minC)*float64(seed%7)/7 + 0.25
		a, err := AssignBatch(q, c, budget)
		opt, ok := exhaustive(q, c, budget)
		if !ok {
			if !errors.Is(err, ErrInfeasible) {
				t.Fatalf("seed %d: infeasible but err = %v", seed, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		var tq, tc float64
		for i, k := range a.Choice {
			tq += q[i][k]
			tc += c[i][k]
		}
		if tc > budget || math.Abs(tc-a.Cost) > 1e-9 || math.Abs(tq-a.Quality) > 1e-9 {
			t.Fatalf("seed %d: reported %v/%v, actual %v/%v, budget %v", seed, a.Quality, a.Cost, tq, tc, budget)
		}
		if tq > opt+1e-9 {
			t.Fatalf("seed %d: %v beats the exhaustive optimum %v", seed, tq, opt)
		}
		if opt-tq > a.Gap+1e-9 || a.Bound < opt-1e-9 {
			t.Fatalf("seed %d: optimum %v, got %v, gap %v, bound %v", seed, opt, tq, a.Gap, a.Bound)
		}
	}
}

func TestAssignBatchUnconstrained(t *testing.T) {
	q := [][]float64{{0.2, 0.9}, {0.5, 0.4}}
	c := [][]float64{{1, 3}, {1, 2}}
	a, err := AssignBatch(q, c, 100)
	if err != nil || a.Choice[0] != 1 || a.Choice[1] != 0 || a.Gap != 0 || a.Lambda != 0 {
		t.Fatalf("%+v %v", a, err)
	}
}

func TestAssignBatchBadInput(t *testing.T) {
	q, c := randomBatch(1, 3, 2)
	for i, bad := range []struct {
		q, c   [][]float64
		budget float64
	}{
		{nil, nil, 1},
		{q, c[:2], 1},
		{q, c, 0},
		{q, c, math.Inf(1)},
		{[][]float64{{}}, [][]float64{{}}, 1},
		{[][]float64{{1, 2}, {1}}, [][]float64{{1, 2}, {1, 2}}, 1},
		{[][]float64{{math.NaN()}}, [][]float64{{1}}, 1},
		{[][]float64{{1}}, [][]float64{{-1}}, 1},
	} {
		if _, err := AssignBatch(bad.q, bad.c, bad.budget); !errors.Is(err, ErrInvalid) {
			t.Errorf("case %d: %v", i, err)
		}
	}
	if _, err := AssignBatch([][]float64{{1}}, [][]float64{{2}}, 1); !errors.Is(err, ErrInfeasible) {
		t.Errorf("infeasible: %v", err)
	}
}

func TestAssignBatchLargeGapSmall(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	q, c := randomBatch(42, n, 5)
	var lo, hi float64
	for i := range c {
		l, h := math.Inf(1), 0.0
		for _, v := range c[i] {
			l, h = math.Min(l, v), math.Max(h, v)
		}
		lo += l
		hi += h
	}
	a, err := AssignBatch(q, c, lo+0.3*(hi-lo))
	if err != nil {
		t.Fatal(err)
	}
	if a.Gap/a.Bound > 1e-3 {
		t.Errorf("relative gap %v", a.Gap/a.Bound)
	}
}
