package curriculum_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/budgetkit/budgetkit/curriculum"
)

func ExampleSampler() {
	s, err := curriculum.NewSampler([]string{"easy", "medium", "hard"}, curriculum.SamplerConfig{Method: curriculum.DUMP})
	if err != nil {
		panic(err)
	}
	// Step 0: GRPO advantages of each source's responses. Easy prompts are
	// all solved (advantage 0); medium ones give a strong signal. Arms are
	// named by index (as Sample returns them) or by name.
	err = s.Update(0, []curriculum.Feedback{
		{Arm: 0, Values: []float64{0, 0, 0, 0}},
		{Name: "medium", Values: []float64{1, -1, 1, -1}},
		{Name: "hard", Values: []float64{0.5, -0.5, 0, 0}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.3f\n", s.Probs())
	i, _ := s.Sample(rand.New(rand.NewPCG(1, 2)))
	name, _ := s.Arm(i)
	fmt.Println(i, name)
	// Output:
	// [0.000 0.999 0.001]
	// 1 medium
}

func ExampleGroupFeedback() {
	// Per-response arms (as Sample returned them) and advantages, in the
	// order the responses came back: no map needed.
	arms := []int{2, 0, 2, 0, 1}
	adv := []float64{0.7, -0.1, -0.7, 0.1, 0}
	fb, err := curriculum.GroupFeedback(arms, adv)
	if err != nil {
		panic(err)
	}
	for _, f := range fb {
		fmt.Println(f.Arm, f.Values)
	}
	// Output:
	// 0 [-0.1 0.1]
	// 1 [0]
	// 2 [0.7 -0.7]
}

func ExampleSampler_thompson() {
	s, _ := curriculum.NewSampler([]string{"a", "b"}, curriculum.SamplerConfig{Method: curriculum.Thompson})
	// Arm a: 2 successes out of 2 → Beta(3, 1); b keeps Beta(1, 1).
	_ = s.Update(1, []curriculum.Feedback{{Arm: 0, Values: []float64{1, 1}}})
	// P(a's draw is largest) = E[X] for X ~ Beta(3, 1) = 3/4.
	fmt.Printf("%.4f\n", s.Probs())
	// Output:
	// [0.7500 0.2500]
}

func ExamplePool() {
	p, err := curriculum.NewPool([][]string{{"a1", "a2", "a3"}, {}}, curriculum.PoolConfig{Mode: curriculum.Shuffled, Seed: 7})
	if err != nil {
		panic(err)
	}
	// One epoch of arm 0 visits each prompt once; arm 1 is empty and falls
	// back to arm 0, which Draw reports.
	seen := map[string]bool{}
	for range 3 {
		id, _, _ := p.Draw(0, nil)
		seen[id] = true
	}
	_, from, _ := p.Draw(1, nil)
	fmt.Println(len(seen), from)
	// Output:
	// 3 0
}

func ExampleSkillIt() {
	// Three skills; skill 0 helps skills 1 and 2 (edges weigh 0.5).
	s, err := curriculum.NewSkillIt(3, curriculum.SkillItConfig{Eta: 0.5, Edges: [][2]int{{0, 1}, {0, 2}}})
	if err != nil {
		panic(err)
	}
	// After an evaluation, skill 2's loss is highest. The logits are
	// η·A·L = 0.5·(0.2+0.5·0.4+0.5·1.2, 0.4, 1.2) = (0.5, 0.2, 0.6).
	if err := s.Observe([]float64{0.2, 0.4, 1.2}); err != nil {
		panic(err)
	}
	fmt.Printf("%.3f\n", s.Probs())
	// Output:
	// [0.351 0.260 0.388]
}

type table map[string]float64

func (t table) Estimate(id string) (float64, bool) { p, ok := t[id]; return p, ok }

func ExampleSelect() {
	pred := table{"easy": 0.95, "medium": 0.55, "hard": 0.05, "okay": 0.35}
	ids := []string{"easy", "medium", "hard", "okay", "unseen"}
	// The two prompts whose predicted success is closest to 0.5; an unseen
	// prompt is predicted at the target.
	got, err := curriculum.Select(ids, pred, curriculum.SelectConfig{B: 2})
	if err != nil {
		panic(err)
	}
	fmt.Println(got)
	// Output:
	// [unseen medium]
}

func ExampleStack() {
	// Keep drawing batches of rollout-group pass rates until 4 groups carry
	// a learning signal (DAPO's 0 < p̂ < 1), at most 5 rounds.
	batches := [][]float64{{0, 1, 0.5}, {1, 1, 0.25}, {0.75, 0, 0.5, 0.5}}
	next := func(context.Context) ([]float64, error) {
		b := batches[0]
		batches = batches[1:]
		return b, nil
	}
	keep := curriculum.Band{Low: 0, High: 1, Open: true}.Keep
	got, rounds, err := curriculum.Stack(context.Background(), 4, 5, next, keep)
	fmt.Println(got, rounds, err)
	// Output:
	// [0.5 0.25 0.75 0.5] 3 <nil>
}

func ExampleBand() {
	dapo := curriculum.Band{Low: 0, High: 1, Open: true}
	fmt.Println(dapo.Keep(0), dapo.Keep(0.5), dapo.Keep(1))
	// Output:
	// false true false
}
