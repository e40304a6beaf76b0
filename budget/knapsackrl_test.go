package budget

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ksSum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

func TestKnapsackRLCorners(t *testing.T) {
	unseen := PromptStat{}
	zero := PromptStat{Valid: true, P: 0}
	one := PromptStat{Valid: true, P: 1}
	cases := []struct {
		name  string
		stats []PromptStat
		cfg   KnapsackRLConfig
		want  []int
	}{
		{"all unseen", []PromptStat{unseen, unseen, unseen}, KnapsackRLConfig{}, []int{8, 8, 8}},
		// No mixed prompt: the 24 spare rollouts go to the p̂ = 0 prompts.
		{"zeros and ones", []PromptStat{zero, one, zero, one}, KnapsackRLConfig{}, []int{14, 2, 14, 2}},
		// No mixed and no p̂ = 0 prompt: the budget is spread uniformly.
		{"ones and unseen", []PromptStat{one, unseen, one}, KnapsackRLConfig{}, []int{8, 8, 8}},
		// Unseen prompts are not p̂ = 0 (the reference's success_rates array
		// holds 0 for them): the spare budget goes to the real p̂ = 0 prompt.
		{"unseen is not zero", []PromptStat{unseen, zero, one}, KnapsackRLConfig{}, []int{8, 14, 2}},
	}
	for _, c := range cases {
		got, _, err := KnapsackRL(c.stats, c.cfg)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}

func TestKnapsackRLFallback(t *testing.T) {
	// Mixed prompts with p̂ = 0.5 need ⌊log 0.1 / log 0.5⌋ = 3 rollouts each.
	stats := []PromptStat{{Valid: true, P: 0.5}, {Valid: true, P: 0.5}, {Valid: true, P: 0}, {Valid: true, P: 1}}
	got, info, err := KnapsackRL(stats, KnapsackRLConfig{})
	if err != nil {
		t.Fatal(err)
	}
	// Budget 32; initial 2+2+2+2 = 8; rest 24; need 6; surplus 18 to the p̂ = 0 prompt.
	if !info.Fallback || info.Surplus != 18 || math.Abs(info.EffectiveRatio-0.25) > 1e-15 {
		t.Fatalf("info = %+v", info)
	}
	if diff := cmp.Diff([]int{5, 5, 20, 2}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Every prompt mixed: the reference divides by zero; here no fallback.
	all := []PromptStat{{Valid: true, P: 0.5}, {Valid: true, P: 0.5}}
	got, info, err = KnapsackRL(all, KnapsackRLConfig{})
	if err != nil || info.Fallback || ksSum(got) != 16 {
		t.Fatalf("all mixed: %v %+v %v", got, info, err)
	}
}

func TestKnapsackRLCapacitySpread(t *testing.T) {
	// |E|·K < R: two mixed prompts capped at 4, budget 40.
	stats := []PromptStat{{Valid: true, P: 0.3}, {Valid: true, P: 0.6}}
	got, info, err := KnapsackRL(stats, KnapsackRLConfig{Budget: 40, MaxN: 4, MinN: 2, NoFallback: true})
	if err != nil {
		t.Fatal(err)
	}
	if info.Spread != 32 || !cmp.Equal(got, []int{20, 20}) {
		t.Fatalf("got %v, %+v", got, info)
	}
}

func TestKnapsackRLSumsToBudget(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for trial := 0; trial < 200; trial++ {
		m := 1 + r.IntN(40)
		stats := make([]PromptStat, m)
		for i := range stats {
			switch r.IntN(4) {
			case 0:
			case 1:
				stats[i] = PromptStat{Valid: true, P: float64(r.IntN(2))}
			default:
				stats[i] = PromptStat{Valid: true, P: float64(1+r.IntN(15)) / 16}
			}
		}
		for _, compat := range []bool{false, true} {
			got, _, err := KnapsackRL(stats, KnapsackRLConfig{CompatDP: compat})
			if err != nil {
				t.Fatal(err)
			}
			if ksSum(got) != 8*m {
				t.Fatalf("compat=%v: total %d, want %d", compat, ksSum(got), 8*m)
			}
		}
	}
}

// ksQuirkBrute maximises the reference DP's objective by enumeration: each
// mixed prompt takes k ∈ [0, K] extra rollouts, Σk = rest exactly, scoring
// V(MinN+k) for k ≥ 1 and 0 for k = 0 (computed in float64 here; the cases
// below are far from float32 ties).
func ksQuirkBrute(ps []float64, minN, K, rest int) (best float64, arg []int) {
	best = math.Inf(-1)
	ks := make([]int, len(ps))
	var rec func(i, left int, acc float64)
	rec = func(i, left int, acc float64) {
		if i == len(ps) {
			if left == 0 && acc > best {
				best, arg = acc, append([]int(nil), ks...)
			}
			return
		}
		for k := 0; k <= K && k <= left; k++ {
			ks[i] = k
			v := 0.0
			if k > 0 {
				v = Knapsack{P: ps[i]}.Value(minN + k)
			}
			rec(i+1, left-k, acc+v)
		}
	}
	rec(0, rest, 0)
	return best, arg
}

func TestKnapsackRLCompatDP(t *testing.T) {
	// With MinN = 6, V(6) is nearly saturated, so the reference's DP, which
	// scores "no extra rollout" as 0 instead of V(6), pays a large bonus for
	// giving every prompt at least one extra rollout. Here the optimum gives
	// both extra rollouts to the p̂ = 0.3 prompt (gains 0.0059 + 0.0039 vs
	// 0.0020 for p̂ = 0.5); the reference splits them.
	ps := []float64{0.3, 0.5}
	stats := []PromptStat{{Valid: true, P: 0.3}, {Valid: true, P: 0.5}}
	cfg := KnapsackRLConfig{Budget: 2*6 + 2, MinN: 6, MaxN: 10, NoFallback: true}
	compatCfg := cfg
	compatCfg.CompatDP = true
	compat, _, err := KnapsackRL(stats, compatCfg)
	if err != nil {
		t.Fatal(err)
	}
	_, arg := ksQuirkBrute(ps, 6, 4, 2)
	want := []int{6 + arg[0], 6 + arg[1]}
	if diff := cmp.Diff(want, compat); diff != "" {
		t.Fatalf("CompatDP vs the reference's objective (-want +got):\n%s", diff)
	}
	opt, _, err := KnapsackRL(stats, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{8, 6}, opt); diff != "" {
		t.Fatalf("optimum (-want +got):\n%s", diff)
	}
	if !cmp.Equal(compat, []int{7, 7}) {
		t.Fatalf("reference DP = %v, want [7 7]", compat)
	}
	value := func(c []int) float64 {
		var v float64
		for i, p := range ps {
			v += Knapsack{P: p}.Value(c[i])
		}
		return v
	}
	if value(opt) <= value(compat) {
		t.Fatalf("optimum %v (%v) not better than the reference DP %v (%v)", opt, value(opt), compat, value(compat))
	}
	// On random instances CompatDP attains the quirky objective's maximum.
	r := rand.New(rand.NewPCG(13, 14))
	for trial := 0; trial < 100; trial++ {
		n := 1 + r.IntN(4)
		ps := make([]float64, n)
		stats := make([]PromptStat, n)
		for i := range ps {
			ps[i] = float64(1+r.IntN(31)) / 32
			stats[i] = PromptStat{Valid: true, P: ps[i]}
		}
		rest := r.IntN(4*n + 1)
		got, _, err := KnapsackRL(stats, KnapsackRLConfig{Budget: 2*n + rest, MaxN: 6, NoFallback: true, CompatDP: true})
		if err != nil {
			t.Fatal(err)
		}
		best, _ := ksQuirkBrute(ps, 2, 4, rest)
		var v float64
		for i, p := range ps {
			if k := got[i] - 2; k > 0 {
				v += Knapsack{P: p}.Value(got[i])
			}
		}
		if math.Abs(v-best) > 1e-6*math.Max(1e-9, best) {
			t.Fatalf("trial %d: CompatDP objective %v, brute force %v (%v)", trial, v, best, got)
		}
	}
}

func TestKnapsackRLBadInput(t *testing.T) {
	for name, c := range map[string]struct {
		stats []PromptStat
		cfg   KnapsackRLConfig
		want  error
	}{
		"NaN p":      {[]PromptStat{{Valid: true, P: math.NaN()}}, KnapsackRLConfig{}, ErrInvalid},
		"p > 1":      {[]PromptStat{{Valid: true, P: 2}}, KnapsackRLConfig{}, ErrInvalid},
		"alpha":      {[]PromptStat{{}}, KnapsackRLConfig{Alpha: 1}, ErrInvalid},
		"min > max":  {[]PromptStat{{}}, KnapsackRLConfig{MinN: 5, MaxN: 3}, ErrInvalid},
		"infeasible": {[]PromptStat{{}, {}}, KnapsackRLConfig{Budget: 10}, ErrInfeasible},
	} {
		if _, _, err := KnapsackRL(c.stats, c.cfg); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", name, err, c.want)
		}
	}
	got, _, err := KnapsackRL(nil, KnapsackRLConfig{})
	if err != nil || len(got) != 0 {
		t.Errorf("empty: %v, %v", got, err)
	}
}
