package router

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestZeroValuesDoNotPanic calls every method of each type's zero value (and
// of malformed literals) and expects an error wrapping ErrInvalid, never a
// panic.
func TestZeroValuesDoNotPanic(t *testing.T) {
	ctx := context.Background()
	q := Query{InputTokens: 10}
	wantInvalid := func(name string, err error) {
		t.Helper()
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	var p Pacer
	_, err := p.Route(ctx, q)
	wantInvalid("Pacer.Route", err)
	_, err = p.Decide(ctx, q, []float64{1}, []float64{1})
	wantInvalid("Pacer.Decide", err)
	wantInvalid("Pacer.Settle", p.Settle(ctx, time.Time{}, 1, 1))
	wantInvalid("Pacer.Observe", p.Observe(ctx, q, Choice{Reservation: 1}, Outcome{}))
	_, err = p.Snapshot()
	wantInvalid("Pacer.Snapshot", err)
	wantInvalid("Pacer.Restore", p.Restore([]byte("{}")))
	if s := p.Stats(time.Time{}); s != (PacerStats{}) {
		t.Errorf("zero Pacer stats = %+v", s)
	}

	var tr TauTracker
	_, err = tr.Decide(0.5)
	wantInvalid("TauTracker.Decide", err)
	_, err = tr.Snapshot()
	wantInvalid("TauTracker.Snapshot", err)
	wantInvalid("TauTracker.Restore", tr.Restore([]byte("{}")))
	tr.Tau()
	tr.Fraction()

	var n CostNormalizer
	_, err = n.Add(1)
	wantInvalid("CostNormalizer.Add", err)
	_, err = n.Efficiency(1)
	wantInvalid("CostNormalizer.Efficiency", err)
	_, err = n.Snapshot()
	wantInvalid("CostNormalizer.Snapshot", err)
	wantInvalid("CostNormalizer.Restore", n.Restore([]byte("{}")))
	n.Range()

	_, err = (&Threshold{}).Route(ctx, q)
	wantInvalid("Threshold{}.Route", err)
	more := &Threshold{Models: []Model{{Name: "a"}, {Name: "b"}}, Taus: []float64{0.1, 0.2, 0.3}, Scorer: winRateFunc(0.9)}
	_, err = more.Route(ctx, q)
	wantInvalid("Threshold with more taus than models", err)
	(&Threshold{}).Pick(0.5)

	_, err = (&TrackedThreshold{}).Route(ctx, q)
	wantInvalid("TrackedThreshold{}.Route", err)
	_, err = (&Utility{}).Route(ctx, q)
	wantInvalid("Utility{}.Route", err)
	_, err = (&Thresholding{}).Route(ctx, q)
	wantInvalid("Thresholding{}.Route", err)
	_, err = (&Guard{}).Route(ctx, q)
	wantInvalid("Guard{}.Route", err)
	wantInvalid("Guard{}.Observe", (&Guard{}).Observe(ctx, q, Choice{}, Outcome{}))
	_, err = (&Cascade{}).Route(ctx, q)
	wantInvalid("Cascade{}.Route", err)
	_, _, err = (&Cascade{}).Escalate(ctx, q, Choice{}, Answer{})
	wantInvalid("Cascade{}.Escalate", err)

	var tierR TierRouter
	_, err = tierR.Route(ctx, q)
	wantInvalid("TierRouter.Route", err)
	wantInvalid("TierRouter.Observe", tierR.Observe(ctx, q, Choice{}, Outcome{}))
	if tierR.Pacer() != nil {
		t.Error("zero TierRouter has a pacer")
	}
}

type winRateFunc float64

func (w winRateFunc) WinRate(context.Context, Query) (float64, error) { return float64(w), nil }
