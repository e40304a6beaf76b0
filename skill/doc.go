// Package skill optimises a skill document by bounded, validation-gated text
// edits (SkillOpt).
package skill
