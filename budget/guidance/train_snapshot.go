package guidance

import (
	"fmt"
	"math"

	"github.com/budgetkit/budgetkit/internal/snapshot"
)

const trainSnapKind, trainSnapVersion = "guidance.Trainer", 1

// trainSnapConfig is what a snapshot must match: the optimiser settings
// (not Progress, a func) and the head's shape.
type trainSnapConfig struct {
	LearningRate, Beta1, Beta2, Epsilon float64
	BatchSize, Epochs                   int
	Seed                                uint64
	LazyAdam                            bool
	Vocab, Dim                          int
}

type trainSnapRow struct {
	Token int       `json:"token"`
	WA    []float64 `json:"wa"`
	WL    []float64 `json:"wl"`
	MA    []float64 `json:"ma"`
	VA    []float64 `json:"va"`
	ML    []float64 `json:"ml"`
	VL    []float64 `json:"vl"`
}

type trainSnapState struct {
	Step int            `json:"step"`
	Rows []trainSnapRow `json:"rows"`
}

func (t *Trainer) snapConfig() trainSnapConfig {
	c := t.cfg
	return trainSnapConfig{c.LearningRate, c.Beta1, c.Beta2, c.Epsilon, c.BatchSize, c.Epochs, c.Seed, c.LazyAdam, t.head.vocab, t.head.dim}
}

// Snapshot returns the trainer's state as versioned JSON: the step count
// and, for every row trained so far, the float64 master weights and Adam's
// moments. With the snapshot restored into a trainer of the same
// configuration over a head of the same shape, Fit continues bit for bit.
func (t *Trainer) Snapshot() ([]byte, error) {
	if t == nil || t.head == nil {
		return nil, fmt.Errorf("%w: Trainer not created with NewTrainer", ErrInvalid)
	}
	st := trainSnapState{Step: t.step, Rows: make([]trainSnapRow, 0, len(t.ids))}
	for _, v := range t.ids {
		r := t.rows[v]
		st.Rows = append(st.Rows, trainSnapRow{Token: v, WA: r.wa, WL: r.wl, MA: r.ma, VA: r.va, ML: r.ml, VL: r.vl})
	}
	return snapshot.Marshal(trainSnapKind, trainSnapVersion, t.snapConfig(), st)
}

// Restore replaces the trainer's state with a snapshot from a trainer of
// the same configuration and head shape, and writes the restored rows into
// the head (as float32), so that trainer and head agree. Every field's domain
// is checked: tokens in range and increasing, rows of Dim values, weights
// finite and within float32, second moments ≥ 0, step ≥ 0. On error
// (wrapping ErrSnapshot) nothing changes.
func (t *Trainer) Restore(data []byte) error {
	if t == nil || t.head == nil {
		return fmt.Errorf("%w: Trainer not created with NewTrainer", ErrInvalid)
	}
	var s trainSnapState
	if err := snapshot.Unmarshal(data, trainSnapKind, trainSnapVersion, t.snapConfig(), &s); err != nil {
		return fmt.Errorf("%w: %w", ErrSnapshot, err)
	}
	d := t.head.dim
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %w: "+format, append([]any{ErrSnapshot, snapshot.ErrCorrupt}, args...)...)
	}
	if s.Step < 0 {
		return bad("step %d", s.Step)
	}
	for i, r := range s.Rows {
		if r.Token < 0 || r.Token >= t.head.vocab || (i > 0 && r.Token <= s.Rows[i-1].Token) {
			return bad("rows[%d].token = %d (must be in [0, %d) and increasing)", i, r.Token, t.head.vocab)
		}
		for _, xs := range [][]float64{r.WA, r.WL, r.MA, r.VA, r.ML, r.VL} {
			if len(xs) != d {
				return bad("rows[%d] has a vector of %d values (want %d)", i, len(xs), d)
			}
			for _, x := range xs {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					return bad("rows[%d] holds %v", i, x)
				}
			}
		}
		for j := 0; j < d; j++ {
			if math.Abs(r.WA[j]) > math.MaxFloat32 || math.Abs(r.WL[j]) > math.MaxFloat32 || r.VA[j] < 0 || r.VL[j] < 0 {
				return bad("rows[%d] out of range at %d", i, j)
			}
		}
	}
	rows := make(map[int]*trainRow, len(s.Rows))
	ids := make([]int, 0, len(s.Rows))
	for _, r := range s.Rows {
		buf := make([]float64, 8*d)
		tr := &trainRow{
			wa: buf[0:d], wl: buf[d : 2*d], ma: buf[2*d : 3*d], va: buf[3*d : 4*d],
			ml: buf[4*d : 5*d], vl: buf[5*d : 6*d], ga: buf[6*d : 7*d], gl: buf[7*d : 8*d],
		}
		copy(tr.wa, r.WA)
		copy(tr.wl, r.WL)
		copy(tr.ma, r.MA)
		copy(tr.va, r.VA)
		copy(tr.ml, r.ML)
		copy(tr.vl, r.VL)
		rows[r.Token] = tr
		ids = append(ids, r.Token)
	}
	t.step, t.rows, t.ids = s.Step, rows, ids
	t.writeBack()
	return nil
}
