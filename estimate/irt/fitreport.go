package irt

import (
	"math"
	"slices"

	"github.com/budgetkit/budgetkit/internal/num"
)

// Progress reports one calibration iteration.
type Progress struct {
	Dims      int
	Iteration int
	// Objective is the training objective (the penalised marginal
	// log-likelihood at the iteration's start for EM, the joint
	// log-likelihood without penalties for JML).
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
	// ItemCov[j] is the 2×2 covariance of item j's (a, d), row-major
	// (MethodEM; nil for JML): the inverse of the cross-product (XPD)
	// estimate of the observed information, Σᵢ sᵢⱼsᵢⱼᵀ over models of the
	// per-model scores of (log a, d), plus the priors' curvature, mapped to
	// (a, d) by the delta method, one item at a time (between-item
	// covariance is ignored). Pass it as SessionConfig.ItemCov so that
	// adaptive standard errors include item-parameter uncertainty.
	ItemCov [][]float64
	// ItemSE[j] holds the standard errors of item j's (a, d), the square
	// roots of ItemCov[j]'s diagonal (MethodEM; nil for JML).
	ItemSE [][]float64
	Report FitReport
}

// FitReport describes a fit.
type FitReport struct {
	Method Method `json:"method"`
	Model  Model  `json:"model"`
	Dims   int    `json:"dims"`
	// Iterations counts SQUAREM cycles, each of three or four EM steps
	// (MethodEM) or alternating sweeps (MethodJML).
	Iterations int  `json:"iterations"`
	Converged  bool `json:"converged"`
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
	// Warnings lists conditions that make the fit less trustworthy than it
	// looks, such as a sample below MinModels.
	Warnings []string `json:"warnings,omitempty"`
	// Candidates reports every candidate dimension tried.
	Candidates []DimFit `json:"candidates"`
}

// DimFit is the held-out fit of one candidate dimension.
type DimFit struct {
	Dims           int     `json:"dims"`
	HeldOutLogLoss float64 `json:"held_out_log_loss"`
	HeldOutAUC     float64 `json:"held_out_auc"`
}

// heldOut returns the mean log-loss and the AUC of predict on cells.
func heldOut(cells []obsCell, predict func(i, j int) float64) (logLoss, auc float64) {
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
