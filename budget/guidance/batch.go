package guidance

import (
	"fmt"
	"sync/atomic"
)

// Batch applies one Guide per sequence over a row-major
// [batch × vocab] logits slab, the layout batched decoders produce. It adds
// no per-call allocation beyond the guides' own scratch buffers.
//
// Every method first checks that Guides holds at least one guide, each
// created with NewGuide and none appearing twice (a shared guide would
// advance twice per token), and returns an error wrapping ErrInvalid
// otherwise; that check is O(n) and allocation-free.
//
// A Batch is not safe for concurrent use.
type Batch struct {
	// Guides holds one distinct guide per row of the slab.
	Guides []*Guide

	acts []action
	kept []int
}

// MaxBatch bounds NewBatch's batch size.
const MaxBatch = 1 << 20

// NewBatch returns a batch of n guides sharing budget, end-of-thinking
// id and configuration.
func NewBatch(n, budget, endThinking int, cfg Config) (*Batch, error) {
	if n <= 0 || n > MaxBatch {
		return nil, fmt.Errorf("%w: batch size %d (must be in (0, MaxBatch = %d])", ErrInvalid, n, MaxBatch)
	}
	b := &Batch{Guides: make([]*Guide, n), acts: make([]action, n), kept: make([]int, n)}
	for i := range b.Guides {
		g, err := NewGuide(budget, endThinking, cfg)
		if err != nil {
			return nil, err
		}
		b.Guides[i] = g
	}
	return b, nil
}

// batchEpoch numbers duplicate checks: each check stamps every guide with a
// fresh number, so a guide already carrying it appears twice.
var batchEpoch atomic.Uint64

// check validates Guides: non-empty, every guide made by NewGuide, none twice.
func (b *Batch) check() error {
	if b == nil || len(b.Guides) == 0 {
		return fmt.Errorf("%w: Batch has no guides (create it with NewBatch)", ErrInvalid)
	}
	epoch := batchEpoch.Add(1)
	for i, g := range b.Guides {
		if err := g.check(); err != nil {
			return fmt.Errorf("batch row %d: %w", i, err)
		}
		if g.mark == epoch {
			for j := range i {
				if b.Guides[j] == g {
					return fmt.Errorf("%w: Guides[%d] and Guides[%d] are the same guide", ErrInvalid, j, i)
				}
			}
		}
		g.mark = epoch
	}
	return nil
}

// Due writes Guides[i].Due() into dst[i]; len(dst) must equal len(Guides).
func (b *Batch) Due(dst []bool) error {
	if err := b.check(); err != nil {
		return err
	}
	if len(dst) != len(b.Guides) {
		return fmt.Errorf("%w: len(dst) = %d, want batch size %d", ErrInvalid, len(dst), len(b.Guides))
	}
	for i, g := range b.Guides {
		dst[i] = g.Due()
	}
	return nil
}

// Apply runs Guides[i].Apply on row i of slab (len(Guides)·vocab values)
// with candidates[i] and params[i] (rows that are not due may have nil
// entries). If steps is non-nil (len(Guides)) it receives each row's
// Step. Every row is validated before any is modified: on error the
// slab and all guides are unchanged.
func (b *Batch) Apply(slab []float64, vocab int, candidates [][]int, params [][]Gamma, steps []Step) error {
	if err := b.check(); err != nil {
		return err
	}
	n := len(b.Guides)
	if vocab <= 0 || len(slab)/n != vocab || len(slab)%n != 0 {
		return fmt.Errorf("%w: len(slab) = %d, want batch %d × vocab %d", ErrInvalid, len(slab), n, vocab)
	}
	if len(candidates) != n || len(params) != n {
		return fmt.Errorf("%w: %d candidate rows and %d param rows for batch %d", ErrInvalid, len(candidates), len(params), n)
	}
	if steps != nil && len(steps) != n {
		return fmt.Errorf("%w: len(steps) = %d, want batch %d", ErrInvalid, len(steps), n)
	}
	if len(b.acts) != n {
		b.acts = make([]action, n)
		b.kept = make([]int, n)
	}
	for i, g := range b.Guides {
		act, kept, err := g.prepare(slab[i*vocab:(i+1)*vocab], candidates[i], params[i])
		if err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
		b.acts[i], b.kept[i] = act, kept
	}
	for i, g := range b.Guides {
		s := g.commit(b.acts[i], b.kept[i], slab[i*vocab:(i+1)*vocab], candidates[i], params[i])
		if steps != nil {
			steps[i] = s
		}
	}
	return nil
}

// Advance runs Guides[i].Advance(tokens[i]) for every row, after checking
// every token, so a failed call changes no guide.
func (b *Batch) Advance(tokens []Token) error {
	if err := b.check(); err != nil {
		return err
	}
	if len(tokens) != len(b.Guides) {
		return fmt.Errorf("%w: len(tokens) = %d, want batch %d", ErrInvalid, len(tokens), len(b.Guides))
	}
	for i, t := range tokens {
		if t.ID < 0 {
			return fmt.Errorf("%w: tokens[%d].ID = %d (must be ≥ 0)", ErrInvalid, i, t.ID)
		}
	}
	for i, g := range b.Guides {
		_ = g.Advance(tokens[i]) // cannot fail: ids checked above
	}
	return nil
}
