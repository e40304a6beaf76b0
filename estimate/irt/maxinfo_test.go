package irt

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// TestMaxInfoBeatsRandom averages, over 20 replications (a fresh true bank,
// calibration from 100 models, 10 examinees each), the absolute error of
// the predicted mean score over the whole bank after 8, 16 and 32 items,
// and requires maximum-information selection to beat random selection at
// each length (issue 15).
func TestMaxInfoBeatsRandom(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation")
	}
	checkpoints := []int{8, 16, 32}
	var errs [2][3]float64
	const reps, examinees = 20, 10
	for rep := 0; rep < reps; rep++ {
		rng := rand.New(rand.NewPCG(uint64(rep), 77))
		truth := make([]Item, 300)
		for j := range truth {
			truth[j] = TwoPL(0.5+1.5*rng.Float64(), 1.2*rng.NormFloat64())
		}
		x, _ := simulate(rng, truth, 100)
		cal, err := Calibrate(context.Background(), x, CalibrateConfig{Holdout: -1})
		if err != nil {
			t.Fatal(err)
		}
		all := make([]int, len(truth))
		for j := range all {
			all[j] = j
		}
		for e := 0; e < examinees; e++ {
			theta := rng.NormFloat64()
			var want float64
			for _, it := range truth {
				want += it.Prob(theta) / float64(len(truth))
			}
			for m, sel := range []Selection{SelectMaxInfo, SelectRandom} {
				answers := rand.New(rand.NewPCG(uint64(rep), uint64(e)))
				s, _ := NewSession(cal.Bank, SessionConfig{Selection: sel, Seed: uint64(e), ItemCov: cal.ItemCov, Stopping: Stopping{MaxItems: 32}})
				c := 0
				for k := 1; s.Next(); k++ {
					j := s.Item()
					if err := s.Observe(j, drawScore(answers, truth[j], []float64{theta}), 1); err != nil {
						t.Fatal(err)
					}
					if k == checkpoints[c] {
						p, err := s.PredictScore(all)
						if err != nil {
							t.Fatal(err)
						}
						errs[m][c] += math.Abs(p.Mean-want) / (reps * examinees)
						c = min(c+1, len(checkpoints)-1)
					}
				}
			}
		}
	}
	for c, k := range checkpoints {
		t.Logf("%2d items: MAE max-information %.4f, random %.4f", k, errs[0][c], errs[1][c])
		if !(errs[0][c] < errs[1][c]) {
			t.Errorf("%d items: max-information MAE %.4f is not below random's %.4f", k, errs[0][c], errs[1][c])
		}
	}
}
