package main

import (
	"io"
	"testing"
)

// TestGuidanceKeepsToBudget checks the example's claims at every budget:
// guidance keeps far more questions within 1.1·B than unguided decoding,
// and (in the full-size default run) ends thinking mid-plan less often
// than budget forcing. With -short the run is smaller and only the first
// claim is checked.
func TestGuidanceKeepsToBudget(t *testing.T) {
	cfg := smallRun
	cfg.questions = 100
	if testing.Short() {
		cfg = runConfig{trainTraces: 60, epochs: 1, questions: 30, lr: 0.2}
	}
	sums, err := run(io.Discard, cfg, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 9 {
		t.Fatalf("%d summaries, want 9", len(sums))
	}
	for b := 0; b < 3; b++ {
		unguided, guided, forced := sums[3*b], sums[3*b+1], sums[3*b+2]
		if !(guided.adh11 >= 0.9 && guided.adh11 > unguided.adh11+0.25) {
			t.Errorf("%s: %.0f%% within 1.1·B (unguided %.0f%%)", guided.name, 100*guided.adh11, 100*unguided.adh11)
		}
		if !testing.Short() && !(guided.cut < forced.cut) {
			t.Errorf("%s: cut off %.0f%%, budget forcing %.0f%%", guided.name, 100*guided.cut, 100*forced.cut)
		}
	}
}
