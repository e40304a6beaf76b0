package guidance

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas/blas32"
)

// Head is budget guidance's prediction head: two bias-free V×d matrices
// W_α and W_λ mapping a feature vector h (the caller's encoder output; 768
// numbers in the reference) to one Gamma distribution per vocabulary entry v,
//
//	α_v = softplus(W_α[v]·h),   λ_v = softplus(W_λ[v]·h),
//	softplus(z) = ln(1 + eᶻ),
//
// over x = log(L+1), L being the number of thinking tokens left if v is
// emitted next. λ is a rate, not a scale.
//
// Weights are stored as float32, row-major (row v holds W[v]); a V = 151,936,
// d = 768 head takes 2·V·d·4 bytes ≈ 0.93 GB. Dot products use gonum's
// float32 BLAS (SIMD assembly on amd64). Scoring k candidates costs O(k·d);
// scoring the whole vocabulary costs O(V·d).
//
// A Head is safe for concurrent scoring by multiple goroutines as long as no
// goroutine modifies its weights (SetRow, training) at the same time.
type Head struct {
	vocab, dim int
	alpha      []float32 // vocab×dim, row-major
	rate       []float32 // vocab×dim, row-major
}

// NewHead returns a head with vocab rows of dim zero weights, so every
// token's prediction starts at α = λ = ln 2. Train it with Trainer or load
// weights with ReadHeadJSON / ReadHeadSafetensors.
func NewHead(vocab, dim int) (*Head, error) {
	if err := headCheckShape(vocab, dim); err != nil {
		return nil, err
	}
	n := vocab * dim
	return &Head{vocab: vocab, dim: dim, alpha: make([]float32, n), rate: make([]float32, n)}, nil
}

// NewHeadFromWeights returns a head over the given row-major vocab×dim
// weight matrices. It retains (does not copy) the slices, so a large head is
// not duplicated; the caller must not modify them afterwards. Every weight
// must be finite.
func NewHeadFromWeights(vocab, dim int, alpha, rate []float32) (*Head, error) {
	if err := headCheckShape(vocab, dim); err != nil {
		return nil, err
	}
	n := vocab * dim
	if len(alpha) != n {
		return nil, fmt.Errorf("%w: len(alpha) = %d, want vocab·dim = %d", ErrInvalid, len(alpha), n)
	}
	if len(rate) != n {
		return nil, fmt.Errorf("%w: len(rate) = %d, want vocab·dim = %d", ErrInvalid, len(rate), n)
	}
	if i, ok := headAllFinite32(alpha); !ok {
		return nil, fmt.Errorf("%w: alpha[%d] = %v (must be finite)", ErrInvalid, i, alpha[i])
	}
	if i, ok := headAllFinite32(rate); !ok {
		return nil, fmt.Errorf("%w: rate[%d] = %v (must be finite)", ErrInvalid, i, rate[i])
	}
	return &Head{vocab: vocab, dim: dim, alpha: alpha, rate: rate}, nil
}

// MaxHeadElems bounds vocab·dim for NewHead, NewHeadFromWeights and the
// readers, so that sizes never overflow and a corrupt file cannot ask for an
// absurd allocation (2³¹ floats per matrix, 8 GiB); larger shapes return
// ErrInvalid (ErrSafetensors from ReadHeadSafetensors).
const MaxHeadElems = 1 << 31

func headCheckShape(vocab, dim int) error {
	if vocab <= 0 {
		return fmt.Errorf("%w: head vocab = %d (must be > 0)", ErrInvalid, vocab)
	}
	if dim <= 0 {
		return fmt.Errorf("%w: head dim = %d (must be > 0)", ErrInvalid, dim)
	}
	if vocab > MaxHeadElems/dim {
		return fmt.Errorf("%w: head vocab·dim = %d·%d exceeds %d", ErrInvalid, vocab, dim, MaxHeadElems)
	}
	return nil
}

func headAllFinite32(xs []float32) (int, bool) {
	for i, x := range xs {
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return i, false
		}
	}
	return -1, true
}

// Vocab returns the number of rows V.
func (h *Head) Vocab() int {
	if h == nil {
		return 0
	}
	return h.vocab
}

// Dim returns the feature dimension d.
func (h *Head) Dim() int {
	if h == nil {
		return 0
	}
	return h.dim
}

// Weights returns the head's row-major W_α and W_λ. The slices alias the
// head's storage: modifying them modifies the head.
func (h *Head) Weights() (alpha, rate []float32) {
	if h == nil {
		return nil, nil
	}
	return h.alpha, h.rate
}

// SetRow overwrites row v of both matrices. Rows must have length Dim and
// finite entries; on error the head is unchanged.
func (h *Head) SetRow(v int, alpha, rate []float32) error {
	if err := h.check(); err != nil {
		return err
	}
	if v < 0 || v >= h.vocab {
		return fmt.Errorf("%w: row %d out of range [0, %d)", ErrInvalid, v, h.vocab)
	}
	if len(alpha) != h.dim || len(rate) != h.dim {
		return fmt.Errorf("%w: row lengths %d, %d; want dim %d", ErrInvalid, len(alpha), len(rate), h.dim)
	}
	if i, ok := headAllFinite32(alpha); !ok {
		return fmt.Errorf("%w: alpha[%d] = %v (must be finite)", ErrInvalid, i, alpha[i])
	}
	if i, ok := headAllFinite32(rate); !ok {
		return fmt.Errorf("%w: rate[%d] = %v (must be finite)", ErrInvalid, i, rate[i])
	}
	copy(h.alpha[v*h.dim:], alpha)
	copy(h.rate[v*h.dim:], rate)
	return nil
}

// headSoftplus returns ln(1 + eᶻ), computed without overflow.
func headSoftplus(z float64) float64 {
	switch {
	case z > 35:
		return z
	case z < -35:
		return math.Exp(z)
	default:
		return math.Log1p(math.Exp(z))
	}
}

// headParam turns a pre-activation into a Gamma parameter. softplus of a very
// negative z underflows to 0, which is not a valid parameter; it is floored
// at the smallest positive float64 (such a candidate fails every guidance
// mask anyway).
func headParam(z float32) float64 {
	p := headSoftplus(float64(z))
	if p < math.SmallestNonzeroFloat64 {
		p = math.SmallestNonzeroFloat64
	}
	return p
}

// check reports a Head not made by a constructor or reader.
func (h *Head) check() error {
	if h == nil || h.vocab <= 0 || h.dim <= 0 {
		return fmt.Errorf("%w: Head not created with NewHead", ErrInvalid)
	}
	return nil
}

func (h *Head) checkFeatures(features []float32) error {
	if err := h.check(); err != nil {
		return err
	}
	if len(features) != h.dim {
		return fmt.Errorf("%w: len(features) = %d, want head dim %d", ErrInvalid, len(features), h.dim)
	}
	if i, ok := headAllFinite32(features); !ok {
		return fmt.Errorf("%w: features[%d] = %v (must be finite)", ErrInvalid, i, features[i])
	}
	return nil
}

func headDot(row, x []float32) float32 {
	return blas32.Dot(blas32.Vector{N: len(x), Inc: 1, Data: row}, blas32.Vector{N: len(x), Inc: 1, Data: x})
}

// Predict returns token v's Gamma for the feature vector h.
func (h *Head) Predict(features []float32, v int) (Gamma, error) {
	if err := h.checkFeatures(features); err != nil {
		return Gamma{}, err
	}
	if v < 0 || v >= h.vocab {
		return Gamma{}, fmt.Errorf("%w: token id %d out of range [0, %d)", ErrInvalid, v, h.vocab)
	}
	return h.predict(features, v), nil
}

func (h *Head) predict(features []float32, v int) Gamma {
	off := v * h.dim
	za := headDot(h.alpha[off:off+h.dim], features)
	zl := headDot(h.rate[off:off+h.dim], features)
	if math.IsInf(float64(za), 0) || math.IsNaN(float64(za)) || math.IsInf(float64(zl), 0) || math.IsNaN(float64(zl)) {
		// The float32 dot product overflowed (weights and features near
		// ±3.4e38); in float64 it cannot (|z| ≤ d·1.2e77).
		return Gamma{Shape: headParamF(headDot64(h.alpha[off:off+h.dim], features)), Rate: headParamF(headDot64(h.rate[off:off+h.dim], features))}
	}
	return Gamma{Shape: headParam(za), Rate: headParam(zl)}
}

// headDot64 is headDot accumulated in float64.
func headDot64(row, x []float32) float64 {
	var s float64
	for i, r := range row {
		s += float64(r) * float64(x[i])
	}
	return s
}

// Score writes into dst[i] the Gamma of candidate ids[i] for features h, in
// O(len(ids)·d) time and without allocating. len(dst) must equal len(ids),
// every id must lie in [0, Vocab) and every feature must be finite; on error
// dst is unchanged.
func (h *Head) Score(features []float32, ids []int, dst []Gamma) error {
	if err := h.checkFeatures(features); err != nil {
		return err
	}
	if len(dst) != len(ids) {
		return fmt.Errorf("%w: len(dst) = %d, want len(ids) = %d", ErrInvalid, len(dst), len(ids))
	}
	for i, v := range ids {
		if v < 0 || v >= h.vocab {
			return fmt.Errorf("%w: ids[%d] = %d out of range [0, %d)", ErrInvalid, i, v, h.vocab)
		}
	}
	for i, v := range ids {
		dst[i] = h.predict(features, v)
	}
	return nil
}

// ScoreAll writes every vocabulary entry's Gamma into dst (len Vocab), in
// O(V·d) time and without allocating: 2·V·d multiply-adds (≈ 0.47 GFLOP for
// V = 151,936, d = 768).
func (h *Head) ScoreAll(features []float32, dst []Gamma) error {
	if err := h.checkFeatures(features); err != nil {
		return err
	}
	if len(dst) != h.vocab {
		return fmt.Errorf("%w: len(dst) = %d, want vocab %d", ErrInvalid, len(dst), h.vocab)
	}
	for v := range dst {
		dst[v] = h.predict(features, v)
	}
	return nil
}
