package stoprule

import (
	"encoding/json"
	"os"
	"testing"
)

//go:generate sh -c "python3 testdata/refit_ref.py > testdata/refit_ref.json"

// TestRefitAgainstReference replays the K1/K2 estimator of DUET's trainer,
// ported in testdata/refit_ref.py (steps from 1, last refit at −1, deferred
// refits restarting the count, numpy's linear quantile), on 62 runs, and
// requires the same refit decision and K1, K2 after every step.
func TestRefitAgainstReference(t *testing.T) {
	data, err := os.ReadFile("testdata/refit_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		MaxLength int `json:"max_length"`
		History   int
		Every     int
		Steps     [][]int
		Want      []struct {
			Refit  bool
			K1, K2 int
		}
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	steps := 0
	for k, c := range cases {
		ctl, err := NewController(Config{MaxLength: c.MaxLength, History: c.History, RefitEvery: c.Every})
		if err != nil {
			t.Fatal(err)
		}
		for s, kept := range c.Steps {
			for _, l := range kept {
				if err := ctl.ObserveLength(l); err != nil {
					t.Fatal(err)
				}
			}
			refit, err := ctl.EndStep()
			if err != nil {
				t.Fatal(err)
			}
			k1, k2 := ctl.K()
			w := c.Want[s]
			if refit != w.Refit || k1 != w.K1 || k2 != w.K2 {
				t.Fatalf("case %d step %d: refit %v K = (%d, %d); reference %v (%d, %d)", k, s+1, refit, k1, k2, w.Refit, w.K1, w.K2)
			}
			steps++
		}
	}
	if steps < 1000 {
		t.Fatalf("only %d steps replayed", steps)
	}
}
