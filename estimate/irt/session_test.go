package irt

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func golden2D() []Item {
	return []Item{
		{A: []float64{1.2, 0.2}, D: 0},
		{A: []float64{0.3, 1.1}, D: 0.5},
		{A: []float64{0.9, 0.9}, D: -0.2},
		{A: []float64{1.5, 0}, D: 1},
	}
}

// Golden log-det gains from the issue (computed independently).
func TestDOptimalGolden(t *testing.T) {
	for _, gamma := range []float64{0, 1} {
		s, err := NewSession(golden2D(), SessionConfig{Costs: []float64{1, 4, 2, 1}, CostExponent: gamma})
		if err != nil {
			t.Fatal(err)
		}
		// Put the session at θ = (0.2, −0.1) with item 0 administered.
		s.order, s.scores = []int{0}, []float64{1}
		s.administered[0] = true
		s.theta[0], s.theta[1] = 0.2, -0.1
		s.rebuildCov()
		assertClose(t, "gain item1", s.gain(1), 0.2582169546, 1e-9)
		assertClose(t, "gain item2", s.gain(2), 0.2868344774, 1e-9)
		assertClose(t, "gain item3", s.gain(3), 0.2468921690, 1e-9)
		want := 2
		if gamma == 1 {
			want = 3
		}
		if j, err := pick(s); j != want || err != nil {
			t.Errorf("γ = %v: NextItem = %d, %v; want %d", gamma, j, err, want)
		}
	}
}

func TestSessionCovMatchesDirectInverse(t *testing.T) {
	bank := randomBank(rand.New(rand.NewPCG(3, 4)), 30, 3)
	s, err := NewSession(bank, SessionConfig{MAP: AbilityConfig{PriorSD: 1.3}})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for n := 0; n < 10; n++ {
		j, err := pick(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Observe(j, float64(rng.IntN(2)), 1); err != nil {
			t.Fatal(err)
		}
	}
	// The Sherman–Morrison M⁻¹ equals the Cholesky inverse of M.
	d := 3
	m := make([]float64, d*d)
	for k := 0; k < d; k++ {
		m[k*d+k] = 1 / 1.69
	}
	for _, j := range s.order {
		_ = bank[j].InfoMatrix(m, s.theta)
	}
	if !cholesky(m, d) {
		t.Fatal("not PD")
	}
	inv := make([]float64, d*d)
	cholInverse(inv, m, d, make([]float64, d))
	for i := range inv {
		assertClose(t, "M⁻¹", s.minv[i], inv[i], 1e-10)
	}
	// And θ̂ equals the batch MAP on the same responses.
	resp := make([]float64, len(bank))
	for j := range resp {
		resp[j] = math.NaN()
	}
	for n, j := range s.order {
		resp[j] = s.scores[n]
	}
	e, err := MAP(bank, resp, AbilityConfig{PriorSD: 1.3})
	if err != nil {
		t.Fatal(err)
	}
	for k := range e.Theta {
		assertClose(t, "θ̂", s.theta[k], e.Theta[k], 1e-6)
	}
}

// randomBank draws n items of dimension d with a ~ U(0.5, 2), d ~ N(0, 1).
func randomBank(rng *rand.Rand, n, d int) []Item {
	bank := make([]Item, n)
	for j := range bank {
		a := make([]float64, d)
		for k := range a {
			a[k] = 0.5 + 1.5*rng.Float64()
		}
		bank[j] = Item{A: a, D: rng.NormFloat64()}
	}
	return bank
}

func drawScore(rng *rand.Rand, it Item, theta []float64) float64 {
	if rng.Float64() < it.Prob(theta...) {
		return 1
	}
	return 0
}

// runSession administers items until Done, answering from the true θ, and
// returns the number of items and the cost spent.
func runSession(t *testing.T, s *Session, bank []Item, costs []float64, theta []float64, rng *rand.Rand) (int, float64) {
	t.Helper()
	for s.Next() {
		j := s.Item()
		c := 1.0
		if costs != nil {
			c = costs[j]
		}
		if err := s.Observe(j, drawScore(rng, bank[j], theta), c); err != nil {
			t.Fatal(err)
		}
	}
	items, _ := s.Administered()
	return len(items), s.Spent()
}

func TestAdaptiveBeatsRandom(t *testing.T) {
	bank := randomBank(rand.New(rand.NewPCG(1, 2)), 500, 1)
	rng := rand.New(rand.NewPCG(9, 9))
	people := 40
	if testing.Short() {
		people = 10
	}
	stop := Stopping{MaxSE: 0.3, MaxItems: 400}
	var nAdaptive, nRandom int
	for p := 0; p < people; p++ {
		th := []float64{rng.NormFloat64()}
		for _, sel := range []Selection{SelectMaxInfo, SelectRandom} {
			s, err := NewSession(bank, SessionConfig{Selection: sel, Stopping: stop, Seed: uint64(p)})
			if err != nil {
				t.Fatal(err)
			}
			n, _ := runSession(t, s, bank, nil, th, rand.New(rand.NewPCG(uint64(p), 1)))
			if sel == SelectRandom {
				nRandom += n
			} else {
				nAdaptive += n
			}
		}
	}
	t.Logf("items to SE ≤ 0.3 over %d examinees: max-information %.1f, random %.1f", people, float64(nAdaptive)/float64(people), float64(nRandom)/float64(people))
	if nAdaptive >= nRandom {
		t.Errorf("adaptive used %d items, random %d", nAdaptive, nRandom)
	}
}

func TestCostAwareSavesTokens(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	bank := randomBank(rng, 500, 1)
	costs := make([]float64, len(bank))
	for j := range costs {
		costs[j] = math.Round(math.Exp(5+1.2*rng.NormFloat64())) + 1 // tokens, log-normal
	}
	people := 30
	if testing.Short() {
		people = 8
	}
	stop := Stopping{MaxSE: 0.3, MaxItems: 400}
	var plain, aware float64
	for p := 0; p < people; p++ {
		th := []float64{rng.NormFloat64()}
		for _, gamma := range []float64{0, 1} {
			s, err := NewSession(bank, SessionConfig{Selection: SelectDOptimal, Costs: costs, CostExponent: gamma, Stopping: stop})
			if err != nil {
				t.Fatal(err)
			}
			_, spent := runSession(t, s, bank, costs, th, rand.New(rand.NewPCG(uint64(p), 2)))
			if gamma == 0 {
				plain += spent
			} else {
				aware += spent
			}
		}
	}
	t.Logf("tokens to SE ≤ 0.3: plain D-optimal %.0f, cost-aware (γ = 1) %.0f", plain/float64(people), aware/float64(people))
	if aware >= plain {
		t.Errorf("cost-aware spent %v, plain %v", aware, plain)
	}
}

func TestSessionSnapshotReplay(t *testing.T) {
	bank := randomBank(rand.New(rand.NewPCG(1, 1)), 80, 2)
	cfg := SessionConfig{Randomesque: 4, Seed: 11}
	a, _ := NewSession(bank, cfg)
	rng := rand.New(rand.NewPCG(2, 2))
	truth := []float64{0.5, -0.4}
	step := func(s *Session, x float64) int {
		if !s.Next() {
			t.Fatalf("Next = false: %v, %v", s.Stop(), s.Err())
		}
		j := s.Item()
		if err := s.Observe(j, x, float64(j%7)); err != nil {
			t.Fatal(err)
		}
		return j
	}
	for n := 0; n < 6; n++ {
		step(a, drawScore(rng, bank[0], truth))
	}
	snap, err := a.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewSession(bank, cfg)
	if err := b.Restore(snap); err != nil {
		t.Fatal(err)
	}
	for n := 0; n < 10; n++ {
		x := float64(n % 2)
		ja, jb := step(a, x), step(b, x)
		if ja != jb {
			t.Fatalf("step %d: %d vs %d", n, ja, jb)
		}
	}
	if diff := cmp.Diff(a.Ability(), b.Ability()); diff != "" {
		t.Errorf("estimates differ after restore (-a +b):\n%s", diff)
	}
	if a.Spent() != b.Spent() {
		t.Errorf("spent %v vs %v", a.Spent(), b.Spent())
	}
	// Mismatched config or bank, or corrupt data: ErrSnapshot, state unchanged.
	before, _ := b.Snapshot()
	c, _ := NewSession(bank, SessionConfig{Randomesque: 4, Seed: 12})
	other, _ := NewSession(randomBank(rand.New(rand.NewPCG(1, 3)), 80, 2), cfg)
	for _, tc := range []struct {
		s    *Session
		data []byte
	}{{c, snap}, {other, snap}, {b, []byte("{")}, {b, snap[:len(snap)/2]}} {
		if err := tc.s.Restore(tc.data); !errors.Is(err, ErrSnapshot) {
			t.Errorf("Restore err = %v, want ErrSnapshot", err)
		}
	}
	after, _ := b.Snapshot()
	if string(before) != string(after) {
		t.Error("failed Restore changed the session")
	}
}

func TestSessionObserveBadInput(t *testing.T) {
	bank := goldenBank()
	s, _ := NewSession(bank, SessionConfig{})
	if err := s.Observe(1, 1, 3); err != nil {
		t.Fatal(err)
	}
	before, _ := s.Snapshot()
	for _, c := range []struct {
		item        int
		score, cost float64
	}{{-1, 1, 1}, {5, 1, 1}, {1, 1, 1}, {2, 1.5, 1}, {2, math.NaN(), 1}, {2, 1, -1}, {2, 1, math.Inf(1)}} {
		if err := s.Observe(c.item, c.score, c.cost); !errors.Is(err, ErrInvalid) {
			t.Errorf("Observe(%v) err = %v", c, err)
		}
	}
	after, _ := s.Snapshot()
	if string(before) != string(after) {
		t.Error("failed Observe changed the session")
	}
	for _, cfg := range []SessionConfig{
		{Costs: []float64{1, 1}}, {Costs: []float64{1, 1, 0, 1, 1}}, {Costs: []float64{1, 1, math.NaN(), 1, 1}},
		{Selection: 99}, {Randomesque: -1}, {CostExponent: -1}, {Budget: math.Inf(1)}, {Stopping: Stopping{MaxSE: -1}},
		{MAP: AbilityConfig{PriorSD: math.NaN()}},
	} {
		if _, err := NewSession(bank, cfg); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewSession(%+v) err = %v", cfg, err)
		}
	}
	if _, err := s.PredictScore([]int{7}); !errors.Is(err, ErrInvalid) {
		t.Error("PredictScore accepted unknown item")
	}
	if _, err := s.PredictTasks([]string{"a"}); !errors.Is(err, ErrInvalid) {
		t.Error("PredictTasks accepted short labels")
	}
}

func TestSessionStopping(t *testing.T) {
	bank := goldenBank()
	s, _ := NewSession(bank, SessionConfig{Stopping: Stopping{MaxItems: 2}})
	for n := 0; n < 2; n++ {
		if !s.Next() {
			t.Fatalf("done early: %v", s.Stop())
		}
		_ = s.Observe(s.Item(), 1, 1)
	}
	if s.Next() || s.Item() != -1 || s.Err() != nil {
		t.Errorf("Next after MaxItems = true, item %d, err %v", s.Item(), s.Err())
	}
	if r := s.Stop(); r != StopMaxItems {
		t.Errorf("Stop = %v; want max items", r)
	}
	// Budget: costs 3 each, budget 7 → two items fit, then no item fits.
	s, _ = NewSession(bank, SessionConfig{Costs: []float64{3, 3, 3, 3, 3}, Budget: 7})
	for n := 0; n < 2; n++ {
		s.Next()
		_ = s.Observe(s.Item(), 0, 3)
	}
	if r := s.Stop(); r != StopBudget {
		t.Errorf("Stop = %v; want budget", r)
	}
	if j := s.selectItem(); j != -1 {
		t.Errorf("selectItem = %d with the budget spent, want −1", j)
	}
	// Bank exhausted takes priority over MaxItems.
	s, _ = NewSession(bank, SessionConfig{Stopping: Stopping{MaxItems: 5}})
	for j := range bank {
		_ = s.Observe(j, float64(j%2), 1)
	}
	if r := s.Stop(); r != StopBankExhausted {
		t.Errorf("Stop = %v; want bank exhausted", r)
	}
	// MinItems gates the SE rule.
	s, _ = NewSession(bank, SessionConfig{Stopping: Stopping{MaxSE: 5, MinItems: 1}})
	if r := s.Stop(); r != StopRunning {
		t.Errorf("SE rule fired before MinItems: %v", r)
	}
	_ = s.Observe(0, 1, 1)
	if r := s.Stop(); r != StopStandardError {
		t.Errorf("Stop = %v; want SE", r)
	}
	s, _ = NewSession(bank, SessionConfig{Stopping: Stopping{MinChange: 10}})
	_ = s.Observe(0, 1, 1)
	if r := s.Stop(); r != StopConverged {
		t.Errorf("Stop = %v; want converged", r)
	}
}

func TestPredictScoreMatchesMonteCarlo(t *testing.T) {
	for _, d := range []int{1, 2, 3} {
		bank := randomBank(rand.New(rand.NewPCG(uint64(d), 8)), 40, d)
		s, _ := NewSession(bank, SessionConfig{})
		for j := 0; j < 4; j++ {
			_ = s.Observe(j, float64(j%2), 1)
		}
		items := []int{1, 5, 6, 7, 8, 9, 10, 20, 30}
		got, err := s.PredictScore(items)
		if err != nil {
			t.Fatal(err)
		}
		// Monte Carlo over θ ~ N(θ̂, M⁻¹).
		l := append([]float64(nil), s.minv...)
		cholesky(l, d)
		rng := rand.New(rand.NewPCG(1, 1))
		var m1, m2 float64
		const n = 200000
		th, z := make([]float64, d), make([]float64, d)
		for i := 0; i < n; i++ {
			for k := range z {
				z[k] = rng.NormFloat64()
			}
			for r := 0; r < d; r++ {
				th[r] = s.theta[r]
				for c := 0; c <= r; c++ {
					th[r] += l[r*d+c] * z[c]
				}
			}
			sc := s.scores[0] // item 1 administered with score 1
			_ = sc
			var sum float64
			for _, j := range items {
				if j == 1 {
					sum += 1
				} else {
					sum += bank[j].Prob(th...)
				}
			}
			sum /= float64(len(items))
			m1 += sum
			m2 += sum * sum
		}
		m1 /= n
		sd := math.Sqrt(m2/n - m1*m1)
		if math.Abs(got.Mean-m1) > 2e-3 {
			t.Errorf("D = %d: mean %v, Monte Carlo %v", d, got.Mean, m1)
		}
		if math.Abs(got.SD-sd) > 0.1*sd+1e-3 {
			t.Errorf("D = %d: SD %v, Monte Carlo %v", d, got.SD, sd)
		}
	}
}

// pick is the selection rule alone, without the stopping rules.
func pick(s *Session) (int, error) {
	if j := s.selectItem(); j >= 0 {
		return j, nil
	}
	return -1, errors.New("no item")
}
