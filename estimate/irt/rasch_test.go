package irt

import (
	"bufio"
	"context"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// readRaschReference reads testdata/verbagg_rasch.csv, written by
// testdata/verbagg_rasch.R (lme4::glmer, adaptive Gauss–Hermite with 25
// points, on lme4's VerbAgg data).
func readRaschReference(t *testing.T) (x [][]float64, beta []float64, sigma float64) {
	t.Helper()
	f, err := os.Open("testdata/verbagg_rasch.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	parse := func(fields []string) []float64 {
		out := make([]float64, len(fields))
		for k, s := range fields {
			if out[k], err = strconv.ParseFloat(strings.TrimSpace(s), 64); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ",")
		switch fields[0] {
		case "sigma":
			sigma = parse(fields[1:])[0]
		case "beta":
			beta = parse(fields[1:])
		case "x":
			x = append(x, parse(fields[1:]))
		}
	}
	if len(x) != 316 || len(beta) != 24 || !(sigma > 0) {
		t.Fatalf("reference: %d rows, %d intercepts, σ = %v", len(x), len(beta), sigma)
	}
	return x, beta, sigma
}

// TestRaschMatchesLme4 fits the Rasch model by marginal ML to VerbAgg and
// compares the centred item difficulties and the ability SD with
// lme4::glmer's (issue 15: to 0.02).
func TestRaschMatchesLme4(t *testing.T) {
	x, beta, sigma := readRaschReference(t)
	cal, err := Calibrate(context.Background(), x, CalibrateConfig{
		Model: ModelRasch, Holdout: -1, Tol: 1e-7, MaxIter: 5000,
		SlopePriorSD: maxSD, InterceptPriorSD: maxSD,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !cal.Report.Converged || cal.Report.Model != ModelRasch {
		t.Fatalf("report %+v", cal.Report)
	}
	var mFit, mRef float64
	for j, it := range cal.Bank {
		mFit += -it.D / float64(len(beta))
		mRef += -beta[j] / float64(len(beta))
	}
	var worst float64
	for j, it := range cal.Bank {
		if it.A[0] != cal.Bank[0].A[0] {
			t.Fatalf("item %d slope %v, item 0 %v: not one common slope", j, it.A[0], cal.Bank[0].A[0])
		}
		worst = math.Max(worst, math.Abs((-it.D-mFit)-(-beta[j]-mRef)))
	}
	sd := cal.Bank[0].A[0]
	t.Logf("largest centred-difficulty difference %.2g; ability SD %.6f vs lme4 %.5f; %d iterations", worst, sd, sigma, cal.Report.Iterations)
	if worst > 0.02 {
		t.Errorf("centred difficulties differ from lme4 by up to %.4f (tolerance 0.02)", worst)
	}
	if math.Abs(sd-sigma) > 0.02 {
		t.Errorf("ability SD %.4f, lme4 %.4f (tolerance 0.02)", sd, sigma)
	}
}
