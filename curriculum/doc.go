// Package curriculum holds data samplers for RL post-training: bandits over
// data distributions (DUMP and its relatives), difficulty filters and skill
// mixtures.
package curriculum
