// Package budget holds budget-control algorithms that decide how much compute
// a unit of work receives: rollout-budget allocation for RL post-training,
// thinking-length guidance for reasoning models, and budget-aware schedules.
package budget
