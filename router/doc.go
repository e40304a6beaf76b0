// Package router holds cost-aware routing rules for inference gateways:
// calibrated thresholds, cascades, budgeted assignment, budget pacing and
// budget tiers.
package router
