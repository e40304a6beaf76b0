// Package estimate estimates what a model can do from few, cheap
// observations: per-prompt success-rate posteriors, item response theory
// models and their calibration, adaptive item selection, and cost-of-pass.
package estimate
