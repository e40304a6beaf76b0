package router

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// attack is one bad input to one exported entry point. call returns the
// entry point's error; state, if set, snapshots the receiver so that the
// test can check that a failed call changed nothing.
type attack struct {
	entry, input string
	call         func() error
	state        func() ([]byte, error)
	want         error // the sentinel the error must wrap (default ErrInvalid)
}

type predictFn func(context.Context, Query) ([]float64, error)

func (f predictFn) PredictSuccess(ctx context.Context, q Query) ([]float64, error) { return f(ctx, q) }

type confFn float64

func (c confFn) Confidence(context.Context, Query, string, string) (float64, error) {
	return float64(c), nil
}

type classFn []float64

func (c classFn) Classify(context.Context, Query) ([]float64, error) { return c, nil }

type tierFn [3]float64

func (t tierFn) TierScores(context.Context, Query, int) ([3]float64, error) { return t, nil }

// TestAttackEveryEntryPoint is issue 14's table-driven attack: every
// exported entry point of the package with NaN, ±Inf, negative and zero
// values, MaxInt and 1e308, empty and mismatched lengths, nil interfaces and
// funcs, duplicate ids, invalid UTF-8 and 10 MB strings. Each call must not
// panic, must return an error wrapping ErrInvalid (or the documented
// sentinel), and must leave a stateful receiver's Snapshot unchanged.
func TestAttackEveryEntryPoint(t *testing.T) {
	ctx := context.Background()
	nan, inf := math.NaN(), math.Inf(1)
	huge := strings.Repeat("x", 10<<20)
	badUTF8 := "\xff\xfe"
	three := []Model{{Name: "a", InputPrice: 1}, {Name: "b", InputPrice: 2}, {Name: "c", InputPrice: 3}}
	badModels := map[string][]Model{
		"no models":       nil,
		"NaN price":       {{Name: "a", InputPrice: nan}},
		"-Inf price":      {{Name: "a", OutputPrice: math.Inf(-1)}},
		"negative tokens": {{Name: "a", ExpectedOutputTokens: -1}},
		"duplicate names": {{Name: "a"}, {Name: "a"}},
		"empty name":      {{Name: ""}},
		"unknown tier":    {{Name: "a", Tier: 9}},
	}
	var attacks []attack
	add := func(entry, input string, call func() error) {
		attacks = append(attacks, attack{entry: entry, input: input, call: call})
	}
	addS := func(entry, input string, state func() ([]byte, error), want error, call func() error) {
		attacks = append(attacks, attack{entry: entry, input: input, call: call, state: state, want: want})
	}
	floats := map[string]float64{"NaN": nan, "+Inf": inf, "-Inf": -inf, "negative": -1, "1e308": 1e308, "MaxFloat64": math.MaxFloat64}

	// Functions.
	for name, v := range floats {
		v := v
		add("AssignBatch", "quality "+name, func() error {
			_, err := AssignBatch([][]float64{{v, 1}}, [][]float64{{1, 1}}, 5)
			if err == nil && name == "1e308" || name == "MaxFloat64" || name == "negative" {
				return ErrInvalid // finite qualities are valid: only check no panic
			}
			return err
		})
		add("AssignBatch", "budget "+name, func() error { _, err := AssignBatch([][]float64{{1}}, [][]float64{{1}}, -math.Abs(v)); return err })
		add("Quantile", "p "+name, func() error { _, err := Quantile([]float64{1, 2}, v); return err })
		add("CalibrateTau", "fraction "+name, func() error { _, err := CalibrateTau([]float64{1, 2}, v); return err })
		add("CPT", "x "+name, func() error {
			_, err := CPT([]CurvePoint{{StrongShare: 0, Quality: 0}, {StrongShare: 1, Quality: 1}}, v)
			return err
		})
		add("Summarize", "cost "+name, func() error { _, err := Summarize([]float64{-math.Abs(v)}, []float64{1}); return err })
		add("Summarize", "score "+name, func() error { _, err := Summarize([]float64{1}, []float64{v}); return err })
	}
	add("AssignBatch", "empty", func() error { _, err := AssignBatch(nil, nil, 1); return err })
	add("AssignBatch", "mismatched rows", func() error { _, err := AssignBatch([][]float64{{1}}, nil, 1); return err })
	add("AssignBatch", "ragged", func() error { _, err := AssignBatch([][]float64{{1, 2}, {1}}, [][]float64{{1, 2}, {1}}, 1); return err })
	add("AssignBatch", "no models", func() error { _, err := AssignBatch([][]float64{{}}, [][]float64{{}}, 1); return err })
	add("Quantile", "empty", func() error { _, err := Quantile(nil, 0.5); return err })
	add("Quantile", "NaN value", func() error { _, err := Quantile([]float64{nan}, 0.5); return err })
	add("DeferralCurve", "empty", func() error { _, err := DeferralCurve(nil, nil, nil, nil, nil, 3); return err })
	add("DeferralCurve", "mismatched", func() error { _, err := DeferralCurve([]float64{1}, nil, nil, nil, nil, 3); return err })
	add("DeferralCurve", "points MaxInt", func() error {
		o := []float64{1}
		_, err := DeferralCurve(o, o, o, o, o, math.MaxInt)
		return err
	})
	add("DeferralCurve", "points 0", func() error { o := []float64{1}; _, err := DeferralCurve(o, o, o, o, o, 0); return err })
	add("DeferralCurve", "NaN score", func() error {
		o := []float64{1}
		_, err := DeferralCurve([]float64{nan}, o, o, o, o, 3)
		return err
	})
	add("APGR", "empty", func() error { _, err := APGR(nil); return err })
	add("APGR", "NaN quality", func() error {
		_, err := APGR([]CurvePoint{{StrongShare: 0, Quality: nan}, {StrongShare: 1, Quality: 1}})
		return err
	})
	add("Summarize", "mismatched", func() error { _, err := Summarize([]float64{1}, nil); return err })
	add("Summarize", "empty", func() error { _, err := Summarize(nil, nil); return err })

	// Constructors.
	for name, ms := range badModels {
		ms := ms
		add("NewThreshold", name, func() error { _, err := NewThreshold(ms, nil, winRateFunc(0.5)); return err })
		add("NewCascade", name, func() error { _, err := NewCascade(ms, nil, confFn(0.5)); return err })
		add("NewPacer", name, func() error { _, err := NewPacer(PacerConfig{Models: ms, Budget: 1, Horizon: 1}, nil); return err })
		add("NewTierRouter", name, func() error {
			_, err := NewTierRouter([]Module{{Name: "m", Tiers: [3]Model{ms0(ms), {Name: "y"}, {Name: "z"}}}}, tierFn{}, PacerConfig{Budget: 1, Horizon: 1})
			if len(ms) != 1 {
				return ErrInvalid // only single-model lists fit a tier slot
			}
			return err
		})
	}
	add("NewThreshold", "nil scorer", func() error { _, err := NewThreshold(three[:2], []float64{0.5}, nil); return err })
	add("NewThreshold", "taus > models", func() error { _, err := NewThreshold(three[:2], []float64{0.1, 0.2}, winRateFunc(0.5)); return err })
	add("NewThreshold", "NaN tau", func() error { _, err := NewThreshold(three[:2], []float64{nan}, winRateFunc(0.5)); return err })
	add("NewCascade", "NaN threshold", func() error { _, err := NewCascade(three[:2], []float64{nan}, confFn(0.5)); return err })
	for name, v := range floats {
		v := v
		add("NewPacer", "Budget "+name, func() error {
			if v > 0 && !math.IsInf(v, 1) {
				_, err := NewPacer(PacerConfig{Models: three, Budget: v, Horizon: 1, Unit: 1e300}, nil)
				if err == nil {
					return ErrInvalid // 1e308 at a unit of 1e300 is valid
				}
				return err
			}
			_, err := NewPacer(PacerConfig{Models: three, Budget: v, Horizon: 1}, nil)
			return err
		})
		add("NewPacer", "Eta "+name, func() error {
			_, err := NewPacer(PacerConfig{Models: three, Budget: 1, Horizon: 1, Eta: -math.Abs(v)}, nil)
			return err
		})
		add("NewPacer", "Unit "+name, func() error {
			_, err := NewPacer(PacerConfig{Models: three, Budget: 1, Horizon: 1, Unit: -math.Abs(v)}, nil)
			return err
		})
		add("NewPacer", "Tenant Budget "+name, func() error {
			_, err := NewPacer(PacerConfig{Models: three, Budget: 1, Horizon: 1, Tenants: []Tenant{{Name: "k", Budget: -math.Abs(v)}}}, nil)
			return err
		})
		add("NewTauTracker", "Target "+name, func() error { _, err := NewTauTracker(TauTrackerConfig{Target: v}); return err })
		add("NewCostNormalizer", "Lo "+name, func() error { _, err := NewCostNormalizer(NormalizerConfig{Lo: v, Hi: v}); return err })
	}
	add("NewPacer", "Horizon MaxInt, WarmStart MaxInt", func() error {
		_, err := NewPacer(PacerConfig{Models: three, Budget: 1, Horizon: math.MaxInt, WarmStart: math.MaxInt}, nil)
		return err
	})
	add("NewPacer", "Horizon negative", func() error { _, err := NewPacer(PacerConfig{Models: three, Budget: 1, Horizon: -1}, nil); return err })
	add("NewPacer", "TTL negative", func() error {
		_, err := NewPacer(PacerConfig{Models: three, Budget: 1, Horizon: 1, TTL: -1}, nil)
		return err
	})
	add("NewPacer", "Window MinInt64", func() error {
		_, err := NewPacer(PacerConfig{Models: three, Window: math.MinInt64, WindowBudget: 1, WindowRequests: 1}, nil)
		return err
	})
	add("NewPacer", "Period without location", func() error {
		_, err := NewPacer(PacerConfig{Models: three, Budget: 1, Horizon: 1, Period: Period{Kind: Monthly}}, nil)
		return err
	})
	add("NewPacer", "Period kind 99", func() error {
		_, err := NewPacer(PacerConfig{Models: three, Budget: 1, Horizon: 1, Period: Period{Kind: 99}}, nil)
		return err
	})
	add("NewPacer", "duplicate tenants", func() error {
		_, err := NewPacer(PacerConfig{Models: three, Budget: 1, Horizon: 1, Tenants: []Tenant{{Name: "k", Budget: 1}, {Name: "k", Budget: 1}}}, nil)
		return err
	})
	add("NewPacer", "tenant invalid UTF-8", func() error {
		_, err := NewPacer(PacerConfig{Models: three, Budget: 1, Horizon: 1, Tenants: []Tenant{{Name: badUTF8, Budget: 1}}}, nil)
		return err
	})
	add("NewPacer", "Account invalid UTF-8", func() error {
		_, err := NewPacer(PacerConfig{Models: three, Budget: 1, Horizon: 1, Account: badUTF8}, nil)
		return err
	})
	add("NewPacer", "Fallback 7", func() error {
		_, err := NewPacer(PacerConfig{Models: three, Budget: 1, Horizon: 1, Fallback: 7}, nil)
		return err
	})
	add("PacerConfig.LedgerAccounts", "no budget", func() error { _, err := PacerConfig{Models: three}.LedgerAccounts(); return err })
	add("NewCostNormalizer", "Window MaxInt", func() error { _, err := NewCostNormalizer(NormalizerConfig{Window: math.MaxInt}); return err })
	add("NewCostNormalizer", "Window negative", func() error { _, err := NewCostNormalizer(NormalizerConfig{Window: -1}); return err })
	add("NewCostNormalizer", "Degenerate 9", func() error { _, err := NewCostNormalizer(NormalizerConfig{Degenerate: 9}); return err })
	add("NewTauTracker", "Decay 1", func() error { _, err := NewTauTracker(TauTrackerConfig{Target: 0.5, Decay: 1}); return err })
	add("NewTauTracker", "Min > Max", func() error { _, err := NewTauTracker(TauTrackerConfig{Target: 0.5, Min: 2, Max: 1}); return err })
	add("NewTierRouter", "no modules", func() error { _, err := NewTierRouter(nil, tierFn{}, PacerConfig{Budget: 1, Horizon: 1}); return err })
	add("NewTierRouter", "7 modules", func() error {
		ms := make([]Module, 7)
		for i := range ms {
			ms[i] = Module{Name: fmt.Sprint(i), Tiers: [3]Model{{Name: "x"}, {Name: "y"}, {Name: "z"}}}
		}
		_, err := NewTierRouter(ms, tierFn{}, PacerConfig{Budget: 1, Horizon: 1})
		return err
	})
	add("NewTierRouter", "nil policy", func() error {
		_, err := NewTierRouter([]Module{{Name: "m", Tiers: [3]Model{{Name: "x"}, {Name: "y"}, {Name: "z"}}}}, nil, PacerConfig{Budget: 1, Horizon: 1})
		return err
	})
	add("NewMemoryLedger", "invalid UTF-8 name", func() error { _, err := NewMemoryLedger([]Account{{Name: badUTF8, Limit: 1}}); return err })
	add("NewMemoryLedger", "limit 0", func() error { _, err := NewMemoryLedger([]Account{{Name: "a"}}); return err })
	add("NewMemoryLedger", "duplicate", func() error {
		_, err := NewMemoryLedger([]Account{{Name: "a", Limit: 1}, {Name: "a", Limit: 1}})
		return err
	})
	add("NewMemoryLedger", "period without location", func() error {
		_, err := NewMemoryLedger([]Account{{Name: "a", Limit: 1, Period: Period{Kind: Hourly}}})
		return err
	})
	add("Period.Bounds", "FixedLength 0", func() error { _, _, err := (Period{Kind: FixedLength}).Bounds(day0); return err })
	add("Period.Validate", "Length negative", func() error { return Period{Kind: FixedLength, Length: -1}.Validate() })

	// Stateful methods: the receiver's snapshot must not change.
	pred := predictFn(func(_ context.Context, q Query) ([]float64, error) {
		switch q.ID {
		case "nan":
			return []float64{nan, 1, 1}, nil
		case "short":
			return []float64{1}, nil
		case "err":
			return nil, errors.New("boom")
		}
		return []float64{0.5, 0.6, 0.7}, nil
	})
	p, _ := NewPacer(PacerConfig{Models: three, Budget: 1, Horizon: 100, Tenants: []Tenant{{Name: "k", Budget: 0.5}}}, pred)
	live, _ := p.Decide(ctx, Query{At: day0}, []float64{1, 1, 1}, []float64{0.01, 0.01, 0.01})
	other, _ := NewPacer(PacerConfig{Models: three, Budget: 1, Horizon: 100}, nil)
	foreign, _ := other.Decide(ctx, Query{At: day0}, []float64{1, 1, 1}, []float64{0.01, 0.01, 0.01})
	ps := p.Snapshot
	for _, q := range []Query{{ID: "nan", At: day0}, {ID: "short", At: day0}, {ID: "ok", InputTokens: -1, At: day0}, {ID: "ok", Tenant: "nobody", At: day0},
		{ID: "ok", Tenant: badUTF8, At: day0}, {ID: "ok", Tenant: huge, At: day0}, {ID: "ok", Text: huge, InputTokens: math.MaxInt, At: day0}} {
		q := q
		addS("Pacer.Route", fmt.Sprintf("%.20q", q.ID+"/"+q.Tenant), ps, nil, func() error { _, err := p.Route(ctx, q); return err })
	}
	addS("Pacer.Route", "predictor error", ps, nil, func() error {
		_, err := p.Route(ctx, Query{ID: "err", At: day0})
		if err != nil && strings.Contains(err.Error(), "boom") {
			return ErrInvalid
		}
		return err
	})
	for name, v := range floats {
		v := v
		if !finite(v) { // finite qualities, however large, are valid
			addS("Pacer.Decide", "quality "+name, ps, nil, func() error {
				_, err := p.Decide(ctx, Query{At: day0}, []float64{v, 1, 1}, []float64{0.1, 0.1, 0.1})
				return err
			})
		}
		addS("Pacer.Decide", "cost "+name, ps, nil, func() error {
			_, err := p.Decide(ctx, Query{At: day0}, []float64{1, 1, 1}, []float64{0.1, -math.Abs(v), 0.1})
			return err
		})
		addS("Pacer.Settle", "actual "+name, ps, nil, func() error {
			if name == "1e308" || name == "MaxFloat64" {
				return p.Settle(ctx, day0, live.Reservation, v) // beyond 2⁶² units
			}
			return p.Settle(ctx, day0, live.Reservation, -math.Abs(v))
		})
		addS("Pacer.Observe", "cost "+name, ps, nil, func() error {
			return p.Observe(ctx, Query{At: day0}, live, Outcome{Cost: -math.Abs(v)})
		})
	}
	addS("Pacer.Decide", "mismatched", ps, nil, func() error { _, err := p.Decide(ctx, Query{At: day0}, []float64{1}, []float64{1, 2, 3}); return err })
	addS("Pacer.Decide", "empty", ps, nil, func() error { _, err := p.Decide(ctx, Query{At: day0}, nil, nil); return err })
	for _, id := range []uint64{0, 1, math.MaxUint64, foreign.Reservation, live.Reservation ^ 1<<slotBits, live.Reservation + 1} {
		id := id
		addS("Pacer.Settle", fmt.Sprintf("id %#x", id), ps, ErrUnknownReservation, func() error { return p.Settle(ctx, day0, id, 0.01) })
		addS("Pacer.Release", fmt.Sprintf("id %#x", id), ps, ErrUnknownReservation, func() error { return p.Release(ctx, day0, id) })
	}
	addS("Pacer.Observe", "foreign choice", ps, ErrUnknownReservation, func() error { return p.Observe(ctx, Query{At: day0}, foreign, Outcome{Cost: 0.01}) })
	addS("Pacer.AddTenant", "duplicate", ps, nil, func() error { return p.AddTenant(ctx, Tenant{Name: "k", Budget: 1}) })
	addS("Pacer.AddTenant", "root name", ps, nil, func() error { return p.AddTenant(ctx, Tenant{Name: "global", Budget: 1}) })
	addS("Pacer.AddTenant", "unknown parent", ps, nil, func() error { return p.AddTenant(ctx, Tenant{Name: "x", Parent: "y", Budget: 1}) })
	addS("Pacer.AddTenant", "NaN budget", ps, nil, func() error { return p.AddTenant(ctx, Tenant{Name: "x", Budget: nan}) })
	addS("Pacer.AddTenant", "invalid UTF-8", ps, nil, func() error { return p.AddTenant(ctx, Tenant{Name: badUTF8, Budget: 1}) })
	addS("Pacer.AddTenant", "negative requests", ps, nil, func() error { return p.AddTenant(ctx, Tenant{Name: "x", Budget: 1, Requests: -1}) })
	addS("Pacer.TenantStats", "unknown", ps, nil, func() error { _, err := p.TenantStats(day0, "nobody"); return err })
	for _, data := range []string{"", "{", "null", huge[:1000]} {
		data := data
		addS("Pacer.Restore", fmt.Sprintf("%.10q", data), ps, ErrSnapshot, func() error { return p.Restore([]byte(data)) })
	}

	l, _ := NewMemoryLedger([]Account{{Name: "a", Limit: 10}, {Name: "b", Limit: 5}})
	l.Reserve(ctx, day0, Hold{ID: 1, Accounts: []string{"a"}, Amount: 1, Deadline: day0.Add(time.Hour)})
	ls := l.Snapshot
	dl := day0.Add(time.Hour)
	for name, h := range map[string]Hold{
		"no accounts":       {ID: 2, Amount: 1, Deadline: dl},
		"negative amount":   {ID: 2, Accounts: []string{"a"}, Amount: -1, Deadline: dl},
		"MinInt64 amount":   {ID: 2, Accounts: []string{"a"}, Amount: math.MinInt64, Deadline: dl},
		"duplicate account": {ID: 2, Accounts: []string{"a", "a"}, Amount: 1, Deadline: dl},
		"duplicate id":      {ID: 1, Accounts: []string{"b"}, Amount: 1, Deadline: dl},
		"unknown account":   {ID: 2, Accounts: []string{"a", "zz"}, Amount: 1, Deadline: dl},
		"invalid UTF-8":     {ID: 2, Accounts: []string{badUTF8}, Amount: 1, Deadline: dl},
		"10 MB name":        {ID: 2, Accounts: []string{huge}, Amount: 1, Deadline: dl},
		"past deadline":     {ID: 2, Accounts: []string{"a"}, Amount: 1, Deadline: day0},
		"zero deadline":     {ID: 2, Accounts: []string{"a"}, Amount: 1},
	} {
		h := h
		addS("MemoryLedger.Reserve", name, ls, nil, func() error { return l.Reserve(ctx, day0, h) })
	}
	addS("MemoryLedger.Reserve", "MaxInt64 amount", ls, ErrBudgetExhausted, func() error {
		return l.Reserve(ctx, day0, Hold{ID: 2, Accounts: []string{"b", "a"}, Amount: math.MaxInt64, Deadline: dl})
	})
	addS("MemoryLedger.Settle", "negative", ls, nil, func() error { return l.Settle(ctx, day0, 1, -1) })
	addS("MemoryLedger.Settle", "unknown", ls, ErrUnknownReservation, func() error { return l.Settle(ctx, day0, 99, 1) })
	addS("MemoryLedger.Release", "unknown", ls, ErrUnknownReservation, func() error { return l.Release(ctx, day0, 99) })
	addS("MemoryLedger.Balance", "unknown", ls, nil, func() error { _, err := l.Balance(ctx, day0, "zz"); return err })
	addS("MemoryLedger.AddAccount", "duplicate", ls, nil, func() error { return l.AddAccount(ctx, Account{Name: "a", Limit: 1}) })
	addS("MemoryLedger.AddAccount", "MinInt64 limit", ls, nil, func() error { return l.AddAccount(ctx, Account{Name: "c", Limit: math.MinInt64}) })
	addS("MemoryLedger.Restore", "garbage", ls, ErrSnapshot, func() error { return l.Restore([]byte(huge[:100])) })

	tr, _ := NewTauTracker(TauTrackerConfig{Target: 0.3})
	ts := tr.Snapshot
	for name, v := range map[string]float64{"NaN": nan, "+Inf": inf, "-Inf": -inf} {
		v := v
		addS("TauTracker.Decide", name, ts, nil, func() error { _, err := tr.Decide(v); return err })
	}
	addS("TauTracker.Restore", "garbage", ts, ErrSnapshot, func() error { return tr.Restore([]byte("{}")) })
	n, _ := NewCostNormalizer(NormalizerConfig{Window: 4})
	n.Add(1)
	ns := n.Snapshot
	for name, v := range floats {
		v := v
		addS("CostNormalizer.Add", name, ns, nil, func() error {
			if v > 0 && !math.IsInf(v, 1) {
				return ErrInvalid // large finite costs are valid
			}
			_, err := n.Add(v)
			return err
		})
		addS("CostNormalizer.Efficiency", name, ns, nil, func() error {
			if v > 0 && !math.IsInf(v, 1) {
				return ErrInvalid
			}
			_, err := n.Efficiency(v)
			return err
		})
	}
	addS("CostNormalizer.Restore", "garbage", ns, ErrSnapshot, func() error { return n.Restore([]byte("[]")) })

	// Stateless routers with malformed literals and bad collaborators.
	th := &Threshold{Models: three[:2], Taus: []float64{0.5}, Scorer: winRateFunc(nan)}
	add("Threshold.Route", "NaN win rate", func() error { _, err := th.Route(ctx, Query{}); return err })
	add("Threshold.Route", "taus > models", func() error {
		_, err := (&Threshold{Models: three[:2], Taus: []float64{0.1, 0.2, 0.3}, Scorer: winRateFunc(1)}).Route(ctx, Query{})
		return err
	})
	add("Threshold.Route", "nil models", func() error { _, err := (&Threshold{Scorer: winRateFunc(1)}).Route(ctx, Query{}); return err })
	add("TrackedThreshold.Route", "nil tracker", func() error {
		_, err := (&TrackedThreshold{Weak: three[0], Strong: three[1], Scorer: winRateFunc(1)}).Route(ctx, Query{})
		return err
	})
	add("TrackedThreshold.Route", "win rate 2", func() error {
		_, err := (&TrackedThreshold{Weak: three[0], Strong: three[1], Scorer: winRateFunc(2), Tracker: tr}).Route(ctx, Query{})
		return err
	})
	add("Utility.Route", "NaN lambda", func() error {
		_, err := (&Utility{Models: three, Predictor: pred, Lambda: nan}).Route(ctx, Query{})
		return err
	})
	add("Utility.Route", "nil predictor", func() error { _, err := (&Utility{Models: three}).Route(ctx, Query{}); return err })
	add("Utility.Route", "NaN prediction", func() error {
		_, err := (&Utility{Models: three, Predictor: pred}).Route(ctx, Query{ID: "nan"})
		return err
	})
	add("Thresholding.Route", "short prediction", func() error {
		_, err := (&Thresholding{Models: three, Predictor: pred, Threshold: 0.5}).Route(ctx, Query{ID: "short"})
		return err
	})
	add("Guard.Route", "probabilities not summing to 1", func() error {
		_, err := (&Guard{Classifier: classFn{0.5, 0.1}, Routes: []Router{th, th}}).Route(ctx, Query{})
		return err
	})
	add("Guard.Route", "NaN probability", func() error {
		_, err := (&Guard{Classifier: classFn{nan, 1}, Routes: []Router{th, th}}).Route(ctx, Query{})
		return err
	})
	add("Guard.Route", "nil route", func() error {
		_, err := (&Guard{Classifier: classFn{0, 1}, Routes: []Router{th, nil}}).Route(ctx, Query{})
		return err
	})
	add("Guard.Observe", "domain 5", func() error {
		return (&Guard{Routes: []Router{th}}).Observe(ctx, Query{}, Choice{Domain: 5}, Outcome{})
	})
	cas, _ := NewCascade(three, []float64{0.5, 0.5}, nil)
	add("Cascade.Escalate", "NaN cost", func() error {
		ch, _ := cas.Route(ctx, Query{})
		_, _, err := cas.Escalate(ctx, Query{}, ch, Answer{Cost: nan, Confidence: 0.1})
		return err
	})
	add("Cascade.Escalate", "confidence 2", func() error {
		ch, _ := cas.Route(ctx, Query{})
		_, _, err := cas.Escalate(ctx, Query{}, ch, Answer{Cost: 1, Confidence: 2})
		return err
	})
	add("Cascade.Escalate", "stage 99", func() error {
		_, _, err := cas.Escalate(ctx, Query{}, Choice{Stage: 99}, Answer{Cost: 1})
		return err
	})
	add("LinearTierPolicy.TierScores", "module -1", func() error { _, err := (LinearTierPolicy{}).TierScores(ctx, Query{}, -1); return err })
	add("LinearTierPolicy.TierScores", "overflowing score", func() error {
		pol := LinearTierPolicy{Weights: [][3][]float64{{{1e308}, {1}, {1}}}, Bias: [][3]float64{{1e308, 0, 0}}}
		_, err := pol.TierScores(ctx, Query{Features: []float64{1e308}}, 0)
		return err
	})
	add("LinearTierPolicy.TierScores", "NaN feature", func() error {
		pol := LinearTierPolicy{Weights: [][3][]float64{{{1}, {1}, {1}}}, Bias: [][3]float64{{0, 0, 0}}}
		_, err := pol.TierScores(ctx, Query{Features: []float64{nan}}, 0)
		return err
	})
	add("LinearTierPolicy.TierScores", "NaN bias", func() error {
		_, err := (LinearTierPolicy{Bias: [][3]float64{{nan, 0, 0}}}).TierScores(ctx, Query{}, 0)
		return err
	})
	add("FitCascade", "empty", func() error { _, err := FitCascade(nil, 1); return err })
	add("FitCascade", "NaN budget", func() error {
		_, err := FitCascade([]CascadeRecord{{Confidence: []float64{1}, Quality: []float64{1}, Cost: []float64{1}}}, nan)
		return err
	})

	entries := map[string]bool{}
	for _, a := range attacks {
		entries[a.entry] = true
		t.Run(a.entry+"/"+a.input, func(t *testing.T) {
			var before []byte
			if a.state != nil {
				before, _ = a.state()
			}
			err := func() (err error) {
				defer func() {
					if r := recover(); r != nil {
						err = fmt.Errorf("panic: %v", r)
					}
				}()
				return a.call()
			}()
			want := a.want
			if want == nil {
				want = ErrInvalid
			}
			if !errors.Is(err, want) {
				t.Errorf("error = %.300v, want one wrapping %v", err, want)
			}
			if a.state != nil {
				if after, _ := a.state(); string(after) != string(before) {
					t.Error("the failed call changed the receiver's snapshot")
				}
			}
		})
	}
	t.Logf("%d entry points, %d bad inputs", len(entries), len(attacks))
}

func ms0(ms []Model) Model {
	if len(ms) == 0 {
		return Model{}
	}
	return ms[0]
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
