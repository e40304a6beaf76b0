package skill

import (
	"fmt"
	"math"
	"math/rand/v2"
	"unicode/utf8"

	"gonum.org/v1/gonum/mathext"
)

// Metric projects a document's validation results onto the score the gate
// compares.
type Metric int

const (
	MetricHard  Metric = iota // mean hard score (the reference's default)
	MetricSoft                // mean soft score
	MetricMixed               // (1 − w)·hard + w·soft, w = Gate.MixedWeight
)

// String returns the metric's name ("hard", "soft", "mixed"), or Metric(n).
func (m Metric) String() string { return intEnum("Metric", m, "hard", "soft", "mixed") }

// Test is an optional paired significance test on per-item validation
// scores, for small noisy splits where a bare "score went up" lets noise in.
type Test int

const (
	TestNone      Test = iota // accept on any improvement beyond MinDelta (the reference)
	TestSign                  // one-sided exact sign test on items that changed
	TestBootstrap             // one-sided paired bootstrap of the mean difference
)

// String returns the test's name ("none", "sign", "bootstrap"), or Test(n).
func (t Test) String() string { return intEnum("Test", t, "none", "sign", "bootstrap") }

// Gate configures the validation gate: a candidate is accepted iff its
// score beats the current document's by more than MinDelta (ties are
// rejected), the optional paired test rejects "no improvement" at Level,
// and, if MaxLength > 0, the candidate has at most MaxLength characters
// (multi-objective acceptance).
type Gate struct {
	Metric      Metric  `json:"metric,omitempty"`
	MixedWeight float64 `json:"mixed_weight,omitempty"` // weight of soft in MetricMixed; zero means the reference's 0.5
	MinDelta    float64 `json:"min_delta,omitempty"`
	Test        Test    `json:"test,omitempty"`
	Level       float64 `json:"level,omitempty"`     // significance level; zero means 0.05
	Resamples   int     `json:"resamples,omitempty"` // bootstrap resamples; zero means 2000
	MaxLength   int     `json:"max_length,omitempty"`
}

func (g Gate) validate() error {
	switch {
	case g.Metric < MetricHard || g.Metric > MetricMixed:
		return fmt.Errorf("%w: Gate.Metric = %d", ErrInvalid, g.Metric)
	case !(g.MixedWeight >= 0 && g.MixedWeight <= 1):
		return fmt.Errorf("%w: Gate.MixedWeight = %v (must be in [0, 1])", ErrInvalid, g.MixedWeight)
	case !(g.MinDelta >= 0) || math.IsInf(g.MinDelta, 0):
		return fmt.Errorf("%w: Gate.MinDelta = %v (must be finite and ≥ 0)", ErrInvalid, g.MinDelta)
	case g.Test < TestNone || g.Test > TestBootstrap:
		return fmt.Errorf("%w: Gate.Test = %d", ErrInvalid, g.Test)
	case !(g.Level >= 0 && g.Level < 1):
		return fmt.Errorf("%w: Gate.Level = %v (must be in (0, 1))", ErrInvalid, g.Level)
	case g.Resamples < 0:
		return fmt.Errorf("%w: Gate.Resamples = %d", ErrInvalid, g.Resamples)
	case g.MaxLength < 0:
		return fmt.Errorf("%w: Gate.MaxLength = %d", ErrInvalid, g.MaxLength)
	}
	return nil
}

func (g Gate) weight() float64 {
	if g.MixedWeight == 0 {
		return 0.5
	}
	return g.MixedWeight
}

// valScore is a document's validation result: the means and the per-item
// scores (in the order of the validation ids) the paired tests use.
type valScore struct {
	Hard  float64   `json:"hard"`
	Soft  float64   `json:"soft"`
	Items []float64 `json:"items"` // per-item gate metric
}

// value projects the means onto the gate metric.
func (g Gate) value(hard, soft float64) float64 {
	switch g.Metric {
	case MetricSoft:
		return soft
	case MetricMixed:
		w := g.weight()
		return (1-w)*hard + w*soft
	}
	return hard
}

// of is a score's value under the gate metric.
func (g Gate) of(s valScore) float64 { return g.value(s.Hard, s.Soft) }

// fits reports whether doc respects MaxLength (always, when it is zero).
func (g Gate) fits(doc Document) bool {
	return g.MaxLength == 0 || utf8.RuneCountInString(doc.Text()) <= g.MaxLength
}

// score summarises results (already in id order).
func (g Gate) score(rs []Result) valScore {
	s := valScore{Items: make([]float64, len(rs))}
	for i, r := range rs {
		s.Hard += r.Hard
		s.Soft += r.Soft
		s.Items[i] = g.value(r.Hard, r.Soft)
	}
	if n := float64(len(rs)); n > 0 {
		s.Hard /= n
		s.Soft /= n
	}
	return s
}

// verdict is the gate's decision on a candidate.
type verdict struct {
	accept bool
	reason string
	p      float64 // the test's p-value (0 without a test)
}

// decide compares a candidate with the current document.
func (g Gate) decide(cand, cur valScore, candDoc Document, rng *rand.Rand) verdict {
	c, k := g.of(cand), g.of(cur)
	if !(c-k > g.MinDelta) {
		if c == k {
			return verdict{reason: "tie"}
		}
		if c < k {
			return verdict{reason: "score dropped"}
		}
		return verdict{reason: "gain within MinDelta"}
	}
	if !g.fits(candDoc) {
		return verdict{reason: fmt.Sprintf("document of %d characters exceeds MaxLength %d", utf8.RuneCountInString(candDoc.Text()), g.MaxLength)}
	}
	level := g.Level
	if level == 0 {
		level = 0.05
	}
	var p float64
	switch g.Test {
	case TestSign:
		p = signTest(cand.Items, cur.Items)
	case TestBootstrap:
		b := g.Resamples
		if b == 0 {
			b = 2000
		}
		p = bootstrapTest(cand.Items, cur.Items, b, rng)
	default:
		return verdict{accept: true}
	}
	if p > level {
		return verdict{reason: fmt.Sprintf("not significant (p = %.4g > %.4g)", p, level), p: p}
	}
	return verdict{accept: true, p: p}
}

// signTest returns the one-sided exact sign-test p-value of "the candidate
// is better": with n items that changed and k of them improved,
// P(Binomial(n, ½) ≥ k) = I_½(k, n − k + 1). Unchanged items are ignored.
func signTest(cand, cur []float64) float64 {
	n, k := 0, 0
	for i := range cand {
		switch {
		case cand[i] > cur[i]:
			n++
			k++
		case cand[i] < cur[i]:
			n++
		}
	}
	if k == 0 {
		return 1
	}
	return mathext.RegIncBeta(float64(k), float64(n-k+1), 0.5)
}

// bootstrapTest returns the one-sided paired-bootstrap p-value of "the
// candidate is better": the fraction of b resampled mean differences
// (items drawn with replacement) that are ≤ 0.
func bootstrapTest(cand, cur []float64, b int, rng *rand.Rand) float64 {
	n := len(cand)
	if n == 0 {
		return 1
	}
	d := make([]float64, n)
	for i := range d {
		d[i] = cand[i] - cur[i]
	}
	notBetter := 0
	for range b {
		var s float64
		for range n {
			s += d[rng.IntN(n)]
		}
		if s <= 0 {
			notBetter++
		}
	}
	return float64(notBetter) / float64(b)
}
