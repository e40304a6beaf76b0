package curriculum_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/budgetkit/budgetkit/curriculum"
	"github.com/google/go-cmp/cmp"
)

type fixedPred map[string]float64

func (f fixedPred) Estimate(id string) (float64, bool) { p, ok := f[id]; return p, ok }

type moppsCase struct {
	Name      string    `json:"name"`
	R         []float64 `json:"r"`
	B         int       `json:"b"`
	Lower     float64   `json:"lower"`
	Upper     float64   `json:"upper"`
	Target    float64   `json:"target"`
	TopK      []int     `json:"topk"`
	Threshold []int     `json:"threshold"`
	InBand    []int     `json:"in_band"`
}

// TestSelectMoPPSReference replays testdata/mopps_select_reference.py,
// which follows MoPPS's sample_batch on fixed predictions: Closest without a
// band is its "topk"; Threshold is its "threshold" (issue 18: predictions
// {0.1, 0.2, 0.5}, B = 3, band [0.3, 0.7] give all three, where Closest with
// the band gives one).
func TestSelectMoPPSReference(t *testing.T) {
	data, err := os.ReadFile("testdata/mopps_select_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []moppsCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	fills := 0
	for _, c := range cases {
		ids := make([]string, len(c.R))
		pred := fixedPred{}
		for i, p := range c.R {
			ids[i] = fmt.Sprint("p", i)
			pred[ids[i]] = p
		}
		name := func(idx []int) []string {
			out := make([]string, len(idx))
			for i, j := range idx {
				out[i] = ids[j]
			}
			return out
		}
		got, err := curriculum.Select(ids, pred, curriculum.SelectConfig{B: c.B, Target: c.Target})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(name(c.TopK), got); diff != "" {
			t.Errorf("%s topk (-want +got):\n%s", c.Name, diff)
		}
		band := &curriculum.Band{Low: c.Lower, High: c.Upper}
		got, err = curriculum.Select(ids, pred, curriculum.SelectConfig{B: c.B, Mode: curriculum.Threshold, Band: band, Rand: r})
		if err != nil {
			t.Fatal(err)
		}
		if c.Threshold != nil {
			fills++
			if diff := cmp.Diff(name(c.Threshold), got); diff != "" {
				t.Errorf("%s threshold (-want +got):\n%s", c.Name, diff)
			}
			continue
		}
		// A random subset of the in-band prompts, of size B, without repeats.
		eligible := name(c.InBand)
		if len(got) != c.B {
			t.Errorf("%s: %d selected, want %d", c.Name, len(got), c.B)
		}
		for i, id := range got {
			if !slices.Contains(eligible, id) || slices.Contains(got[:i], id) {
				t.Errorf("%s: %v is not a subset of %v", c.Name, got, eligible)
			}
		}
	}
	if fills < 10 {
		t.Fatalf("only %d fill-up cases", fills)
	}
}

// TestSelectThresholdUniformSubset: with more in-band prompts than B, each
// is chosen with probability B/n.
func TestSelectThresholdUniformSubset(t *testing.T) {
	pred := fixedPred{"a": 0.4, "b": 0.5, "c": 0.6, "d": 0.35, "e": 0.9}
	ids := []string{"a", "b", "c", "d", "e"}
	r := rand.New(rand.NewPCG(3, 4))
	counts := map[string]int{}
	const n = 40000
	for range n {
		got, err := curriculum.Select(ids, pred, curriculum.SelectConfig{B: 2, Mode: curriculum.Threshold, Band: &curriculum.Band{Low: 0.3, High: 0.7}, Rand: r})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range got {
			counts[id]++
		}
	}
	for _, id := range []string{"a", "b", "c", "d"} {
		// Expected n·2/4 = 20000, sd √(n·0.5·0.5) = 100.
		if c := counts[id]; c < 20000-500 || c > 20000+500 {
			t.Errorf("%s chosen %d times, expected 20000", id, c)
		}
	}
	if counts["e"] != 0 {
		t.Errorf("out-of-band e chosen %d times", counts["e"])
	}
	for _, cfg := range []curriculum.SelectConfig{
		{B: 1, Mode: curriculum.Threshold, Rand: r},
		{B: 1, Mode: curriculum.Threshold, Band: &curriculum.Band{High: 1}},
		{B: 1, Mode: 7},
	} {
		if _, err := curriculum.Select(ids, pred, cfg); !errors.Is(err, curriculum.ErrInvalid) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}
