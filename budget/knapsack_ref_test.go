package budget

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

//go:generate sh -c "python3 testdata/knapsack_ref.py > testdata/knapsack_ref.json"

// TestKnapsackRLCompatAgainstReference compares KnapsackRL with CompatDP
// against a port of the reference's sampling_budget_by_knapsack and
// solve_by_dp (testdata/knapsack_ref.py: float32 p̂ and costs, the numba
// kernel's float32 pᴺ and float64 rest, the numpy < 2 path's float64 with
// pow, strict-> tie-breaking) on 400 random instances with exact 0/1 and
// duplicate p̂: the counts must be identical.
func TestKnapsackRLCompatAgainstReference(t *testing.T) {
	data, err := os.ReadFile("testdata/knapsack_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		P        []float64
		N        int
		MinN     int `json:"min_n"`
		MaxN     int `json:"max_n"`
		Budget   int
		Counts   []int
		Path     string
		Fallback bool
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	paths := map[string]int{}
	for k, c := range cases {
		stats := make([]PromptStat, len(c.P))
		for i, p := range c.P {
			stats[i] = PromptStat{Valid: true, P: p}
		}
		cfg := KnapsackRLConfig{N: c.N, MinN: c.MinN, MaxN: c.MaxN, Budget: c.Budget, CompatDP: true}
		got, info, err := KnapsackRL(stats, cfg)
		if err != nil {
			t.Fatalf("case %d: %v", k, err)
		}
		if diff := cmp.Diff(c.Counts, got); diff != "" {
			t.Fatalf("case %d (%s path, p̂ %v, N %d, MinN %d, MaxN %d, budget %d): counts (-reference +got):\n%s",
				k, c.Path, c.P, c.N, c.MinN, c.MaxN, c.Budget, diff)
		}
		if info.Fallback != c.Fallback {
			t.Fatalf("case %d: fallback %v, reference %v", k, info.Fallback, c.Fallback)
		}
		paths[c.Path]++
	}
	if len(cases) < 200 || paths["numba"] < 50 || paths["numpy"] < 50 {
		t.Fatalf("%d cases, paths %v: too few", len(cases), paths)
	}
	t.Logf("%d instances identical: %v", len(cases), paths)
}
