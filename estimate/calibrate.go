package estimate

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/budgetkit/budgetkit/internal/num"
	"github.com/budgetkit/budgetkit/internal/randx"
)

// Method is a calibration method.
type Method int

const (
	// MethodAuto is MethodEM when every candidate dimension is 1, MethodJML
	// otherwise.
	MethodAuto Method = iota
	// MethodEM is marginal maximum likelihood by expectation–maximisation
	// (Bock & Aitkin, 1981), unidimensional 2PL only.
	MethodEM
	// MethodJML is penalised joint maximum likelihood, i.e. logistic matrix
	// factorisation logit Pᵢⱼ = θᵢᵀaⱼ + dⱼ, for any D.
	MethodJML
)

func (m Method) String() string {
	switch m {
	case MethodAuto:
		return "auto"
	case MethodEM:
		return "MML-EM"
	case MethodJML:
		return "JML"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// CalibrateConfig configures Calibrate. Zero fields mean the defaults.
type CalibrateConfig struct {
	// Method is the estimation method (default MethodAuto).
	Method Method
	// Dims lists candidate latent dimensions (default {1}). With several,
	// each is fitted and the one of lowest held-out log-loss is returned
	// (tinyBenchmarks chooses among {5, 10} this way).
	Dims []int
	// Holdout is the fraction of observed cells held out of the fit to
	// measure held-out log-loss and AUC (default 0.1; negative: none, which
	// needs a single candidate in Dims). Cells are drawn so that every model
	// and item keeps at least one training cell.
	Holdout float64
	// MaxIter caps EM iterations or JML sweeps (default 500).
	MaxIter int
	// Tol stops the fit when the largest parameter change in an iteration
	// falls below it (default 1e-4).
	Tol float64
	// QuadNodes is the number of EM quadrature nodes on [−QuadRange,
	// QuadRange] (default 41 on [−4.5, 4.5]).
	QuadNodes int
	QuadRange float64
	// SlopePriorSD is the SD of the Gaussian prior on each slope: on log a
	// for EM (default 1, i.e. a weak log-normal prior centred at a = 1), on
	// a itself (centred at 0) for JML (default 1).
	SlopePriorSD float64
	// InterceptPriorSD is the SD of the N(0, σ²) prior on each intercept d
	// (default 5).
	InterceptPriorSD float64
	// AbilityPriorSD is the SD of JML's N(0, σ²I) prior on each θᵢ
	// (default 1). EM integrates θ over a fixed N(0, 1).
	AbilityPriorSD float64
	// Seed makes the holdout draw and JML's initialisation reproducible.
	Seed uint64
	// Progress, if set, is called after every iteration.
	Progress func(Progress)
}

// Progress reports one calibration iteration.
type Progress struct {
	Dims      int
	Iteration int
	// Objective is the training log-likelihood (marginal for EM, penalised
	// joint for JML).
	Objective float64
	// Change is the largest parameter change in the iteration.
	Change float64
}

// Calibration is the result of Calibrate.
type Calibration struct {
	// Bank holds one item per column of the matrix.
	Bank []Item
	// Abilities holds one θ per row: the EAP estimate for EM, the joint
	// estimate for JML, standardised (see Calibrate).
	Abilities [][]float64
	Report    FitReport
}

// FitReport describes a fit.
type FitReport struct {
	Method     Method `json:"method"`
	Dims       int    `json:"dims"`
	Iterations int    `json:"iterations"`
	Converged  bool   `json:"converged"`
	// LogLik is the training log-likelihood (marginal for EM, joint at the
	// estimates, without penalties, for JML).
	LogLik float64 `json:"log_lik"`
	// TrainCells and HeldOutCells count observed cells used and held out.
	TrainCells   int `json:"train_cells"`
	HeldOutCells int `json:"held_out_cells"`
	// HeldOutLogLoss is the mean cross-entropy −[x log p + (1 − x) log(1 − p)]
	// over held-out cells; HeldOutAUC the area under the ROC curve with
	// x ≥ 0.5 as positive. Both are NaN without a holdout (AUC also when one
	// class is missing).
	HeldOutLogLoss float64 `json:"held_out_log_loss"`
	HeldOutAUC     float64 `json:"held_out_auc"`
	// Candidates reports every candidate dimension tried.
	Candidates []DimFit `json:"candidates"`
}

// DimFit is the held-out fit of one candidate dimension.
type DimFit struct {
	Dims           int     `json:"dims"`
	HeldOutLogLoss float64 `json:"held_out_log_loss"`
	HeldOutAUC     float64 `json:"held_out_auc"`
}

// irtCell is one observed cell.
type irtCell struct {
	i, j int32
	x    float64
}

// irtData is a validated response matrix split into train and held-out
// cells, with the train cells indexed by row and by column.
type irtData struct {
	n, m        int
	train, held []irtCell
	byRow       [][]irtCell
	byCol       [][]irtCell
}

func irtSplit(matrix [][]float64, holdout float64, seed uint64) (*irtData, error) {
	if len(matrix) == 0 || len(matrix[0]) == 0 {
		return nil, fmt.Errorf("%w: empty response matrix", ErrInvalid)
	}
	n, m := len(matrix), len(matrix[0])
	rowObs, colObs := make([]int, n), make([]int, m)
	var cells []irtCell
	for i, row := range matrix {
		if len(row) != m {
			return nil, fmt.Errorf("%w: ragged matrix: row %d has %d columns, row 0 has %d", ErrInvalid, i, len(row), m)
		}
		for j, x := range row {
			if math.IsNaN(x) {
				continue
			}
			if !(x >= 0 && x <= 1) {
				return nil, fmt.Errorf("%w: matrix[%d][%d] = %v (must be in [0, 1], or NaN for missing)", ErrInvalid, i, j, x)
			}
			rowObs[i]++
			colObs[j]++
			cells = append(cells, irtCell{int32(i), int32(j), x})
		}
	}
	for i, c := range rowObs {
		if c == 0 {
			return nil, fmt.Errorf("%w: row %d (model) has no observations", ErrInvalid, i)
		}
	}
	for j, c := range colObs {
		if c == 0 {
			return nil, fmt.Errorf("%w: column %d (item) has no observations", ErrInvalid, j)
		}
	}
	dt := &irtData{n: n, m: m}
	if holdout > 0 {
		rng := randx.New(seed, 0x401d)
		perm := rng.Perm(len(cells))
		want := int(math.Round(holdout * float64(len(cells))))
		isHeld := make([]bool, len(cells))
		for _, k := range perm {
			if len(dt.held) >= want {
				break
			}
			c := cells[k]
			if rowObs[c.i] > 1 && colObs[c.j] > 1 {
				rowObs[c.i]--
				colObs[c.j]--
				isHeld[k] = true
				dt.held = append(dt.held, c)
			}
		}
		for k, c := range cells {
			if !isHeld[k] {
				dt.train = append(dt.train, c)
			}
		}
	} else {
		dt.train = cells
	}
	dt.byRow = make([][]irtCell, n)
	dt.byCol = make([][]irtCell, m)
	for _, c := range dt.train {
		dt.byRow[c.i] = append(dt.byRow[c.i], c)
		dt.byCol[c.j] = append(dt.byCol[c.j], c)
	}
	return dt, nil
}

// irtFit is one fitted model: a predictor for held-out cells plus the bank.
type irtFit struct {
	bank      []Item
	abilities [][]float64
	predict   func(i, j int) float64
	report    FitReport
}

// Calibrate fits an item bank to matrix, a models × items table of scores
// in [0, 1] (1 = correct; fractional scores are soft labels) with NaN for
// missing cells, and returns the bank, each model's ability and a fit
// report.
//
// MethodEM maximises the marginal likelihood of the unidimensional 2PL
// with θ ~ N(0, 1) by Bock–Aitkin EM: the E-step computes each model's
// posterior over QuadNodes quadrature nodes Xq, giving expected counts
// nⱼq (cells observed) and rⱼq (correct) per item and node; the M-step
// maximises Σq rⱼq log Pⱼ(Xq) + (nⱼq − rⱼq) log(1 − Pⱼ(Xq)) plus the log
// priors for each item by Newton's method in (log a, d). Abilities are EAP
// estimates; the scale is identified by the fixed N(0, 1).
//
// MethodJML maximises the penalised joint log-likelihood
//
//	Σᵢⱼ xᵢⱼ log σ(θᵢᵀaⱼ + dⱼ) + (1 − xᵢⱼ) log σ(−θᵢᵀaⱼ − dⱼ)
//	  − Σᵢ‖θᵢ‖²/2σθ² − Σⱼ‖aⱼ‖²/2σa² − Σⱼ dⱼ²/2σd²
//
// (logistic matrix factorisation) by alternating Newton steps on each θᵢ
// and each (aⱼ, dⱼ). Identification: θ is standardised to mean 0 and
// identity covariance (a, d transformed so predictions are unchanged), and
// slopes are sign-flipped to have a positive sum per dimension. For D > 1
// the fit is still only determined up to a rotation of θ (and the inverse
// rotation of a): compare banks through predictions or after Procrustes
// alignment, not coordinate by coordinate.
//
// Calibrate checks ctx between iterations and returns its error if
// cancelled. Bad input — an empty or ragged matrix, a value outside [0, 1],
// a model or item with no observations — returns ErrInvalid.
func Calibrate(ctx context.Context, matrix [][]float64, cfg CalibrateConfig) (*Calibration, error) {
	c, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	dt, err := irtSplit(matrix, c.Holdout, c.Seed)
	if err != nil {
		return nil, err
	}
	var best *irtFit
	var cands []DimFit
	for _, d := range c.Dims {
		var f *irtFit
		if c.Method == MethodEM {
			f, err = irtEM(ctx, dt, c)
		} else {
			f, err = irtJML(ctx, dt, d, c)
		}
		if err != nil {
			return nil, err
		}
		f.report.HeldOutLogLoss, f.report.HeldOutAUC = irtHeldOut(dt.held, f.predict)
		cands = append(cands, DimFit{Dims: d, HeldOutLogLoss: f.report.HeldOutLogLoss, HeldOutAUC: f.report.HeldOutAUC})
		if best == nil || f.report.HeldOutLogLoss < best.report.HeldOutLogLoss {
			best = f
		}
	}
	best.report.Candidates = cands
	best.report.TrainCells, best.report.HeldOutCells = len(dt.train), len(dt.held)
	return &Calibration{Bank: best.bank, Abilities: best.abilities, Report: best.report}, nil
}

func (cfg CalibrateConfig) resolve() (CalibrateConfig, error) {
	c := cfg
	if c.Dims == nil {
		c.Dims = []int{1}
	}
	c.Dims = slices.Clone(c.Dims)
	for _, d := range c.Dims {
		if d < 1 || d > 64 {
			return c, fmt.Errorf("%w: Dims contains %d (must be in [1, 64])", ErrInvalid, d)
		}
	}
	if len(c.Dims) == 0 {
		return c, fmt.Errorf("%w: Dims is empty", ErrInvalid)
	}
	switch c.Method {
	case MethodAuto:
		c.Method = MethodJML
		if !slices.ContainsFunc(c.Dims, func(d int) bool { return d != 1 }) {
			c.Method = MethodEM
		}
	case MethodEM:
		if slices.ContainsFunc(c.Dims, func(d int) bool { return d != 1 }) {
			return c, fmt.Errorf("%w: MethodEM supports D = 1 only (Dims = %v)", ErrInvalid, cfg.Dims)
		}
	case MethodJML:
	default:
		return c, fmt.Errorf("%w: Method = %d (unknown)", ErrInvalid, cfg.Method)
	}
	if c.Holdout == 0 {
		c.Holdout = 0.1
	}
	if !num.IsFinite(c.Holdout) || c.Holdout >= 0.9 {
		return c, fmt.Errorf("%w: Holdout = %v (must be finite and < 0.9)", ErrInvalid, cfg.Holdout)
	}
	if c.Holdout < 0 {
		c.Holdout = 0
		if len(c.Dims) > 1 {
			return c, fmt.Errorf("%w: choosing among Dims = %v needs a holdout", ErrInvalid, cfg.Dims)
		}
	}
	if c.MaxIter == 0 {
		c.MaxIter = 500
	}
	if c.Tol == 0 {
		c.Tol = 1e-4
	}
	if c.QuadNodes == 0 {
		c.QuadNodes = 41
	}
	if c.QuadRange == 0 {
		c.QuadRange = 4.5
	}
	if c.SlopePriorSD == 0 {
		c.SlopePriorSD = 1
	}
	if c.InterceptPriorSD == 0 {
		c.InterceptPriorSD = 5
	}
	if c.AbilityPriorSD == 0 {
		c.AbilityPriorSD = 1
	}
	switch {
	case c.MaxIter < 1:
		return c, fmt.Errorf("%w: MaxIter = %d (must be ≥ 1)", ErrInvalid, cfg.MaxIter)
	case !num.IsFinite(c.Tol) || c.Tol <= 0:
		return c, fmt.Errorf("%w: Tol = %v (must be finite and > 0)", ErrInvalid, cfg.Tol)
	case c.QuadNodes < 5 || c.QuadNodes > 1001:
		return c, fmt.Errorf("%w: QuadNodes = %d (must be in [5, 1001])", ErrInvalid, cfg.QuadNodes)
	case !num.IsFinite(c.QuadRange) || c.QuadRange <= 0:
		return c, fmt.Errorf("%w: QuadRange = %v (must be finite and > 0)", ErrInvalid, cfg.QuadRange)
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"SlopePriorSD", c.SlopePriorSD}, {"InterceptPriorSD", c.InterceptPriorSD}, {"AbilityPriorSD", c.AbilityPriorSD}} {
		if !num.IsFinite(p.v) || p.v <= 0 {
			return c, fmt.Errorf("%w: %s = %v (must be finite and > 0)", ErrInvalid, p.name, p.v)
		}
	}
	return c, nil
}

// irtHeldOut returns the mean log-loss and the AUC of predict on cells.
func irtHeldOut(cells []irtCell, predict func(i, j int) float64) (logLoss, auc float64) {
	if len(cells) == 0 {
		return math.NaN(), math.NaN()
	}
	type sc struct {
		p   float64
		pos bool
	}
	s := make([]sc, len(cells))
	for k, c := range cells {
		p := num.Clamp(predict(int(c.i), int(c.j)), 1e-15, 1-1e-15)
		logLoss -= c.x*math.Log(p) + (1-c.x)*math.Log1p(-p)
		s[k] = sc{p, c.x >= 0.5}
	}
	logLoss /= float64(len(cells))
	// AUC by the Mann–Whitney statistic with mid-ranks for ties.
	slices.SortFunc(s, func(a, b sc) int {
		switch {
		case a.p < b.p:
			return -1
		case a.p > b.p:
			return 1
		}
		return 0
	})
	var rankSum float64
	var npos, nneg int
	for k := 0; k < len(s); {
		e := k
		for e < len(s) && s[e].p == s[k].p {
			e++
		}
		mid := float64(k+e+1) / 2 // ranks k+1..e
		for q := k; q < e; q++ {
			if s[q].pos {
				rankSum += mid
				npos++
			} else {
				nneg++
			}
		}
		k = e
	}
	if npos == 0 || nneg == 0 {
		return logLoss, math.NaN()
	}
	auc = (rankSum - float64(npos)*float64(npos+1)/2) / (float64(npos) * float64(nneg))
	return logLoss, auc
}

func irtCancelled(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("estimate: calibration cancelled: %w", err)
	}
	return nil
}
