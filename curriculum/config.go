package curriculum

import (
	"fmt"
	"math"

	"github.com/budgetkit/budgetkit/internal/num"
)

// Size limits. Constructors refuse larger sizes with ErrInvalid, so that no
// size a caller passes can exhaust memory or overflow an index.
const (
	// MaxArms is the largest number of arms a Sampler or Pool accepts.
	MaxArms = 1 << 20
	// MaxWindow is the largest SamplerConfig.Window (DUMP's per-arm value
	// window, SW-UCB's step window). DUMP's windows grow as values arrive,
	// so memory is bounded by the values actually fed.
	MaxWindow = 1 << 24
)

// SamplerConfig configures a Sampler. Zero fields take the method's
// defaults, which are the references' values.
type SamplerConfig struct {
	Method Method `json:"method"`
	// Window: DUMP's per-arm value window (300), SW-UCB's step window (1000);
	// at most MaxWindow.
	Window int `json:"window,omitempty"`
	// C scales the exploration bonus (1). Set NoBonus for c = 0.
	C       float64 `json:"c,omitempty"`
	NoBonus bool    `json:"no_bonus,omitempty"`
	// Temperature τ of the softmax selectors (DUMP 0.1, SEC 1).
	Temperature float64 `json:"temperature,omitempty"`
	// Alpha is SEC's step size (0.5).
	Alpha float64 `json:"alpha,omitempty"`
	// SECKeepAbsent leaves an arm absent from a step unchanged; by default
	// its Q moves toward 0 (target 0), as the reference does.
	SECKeepAbsent bool `json:"sec_keep_absent,omitempty"`
	// Gamma: D-UCB's discount (0.99), Exp3's exploration rate (0.01).
	Gamma float64 `json:"gamma,omitempty"`
	// RewardScale divides Exp3's rewards before clipping them to [0, 1] (1).
	RewardScale float64 `json:"reward_scale,omitempty"`
	// Decay λ of Thompson's posteriors toward the prior (1: none).
	Decay float64 `json:"decay,omitempty"`
	// Epsilon mixes the policy with the uniform distribution:
	// (1−ε)·p + ε/K (0).
	Epsilon float64 `json:"epsilon,omitempty"`
	// ValidationFeed lets FeedValidation push one signed validation reward
	// per arm into DUMP's windows, as the reference does on each validation
	// pass; off by default.
	ValidationFeed bool `json:"validation_feed,omitempty"`
}

// normalise fills in defaults and validates every field.
func (cfg SamplerConfig) normalise() (SamplerConfig, error) {
	c := cfg
	switch c.Method {
	case DUMP:
		if c.Window == 0 {
			c.Window = 300
		}
		if c.Temperature == 0 {
			c.Temperature = 0.1
		}
	case SEC:
		if c.Alpha == 0 {
			c.Alpha = 0.5
		}
		if c.Temperature == 0 {
			c.Temperature = 1
		}
	case SWUCB:
		if c.Window == 0 {
			c.Window = 1000
		}
	case DUCB:
		if c.Gamma == 0 {
			c.Gamma = 0.99
		}
	case Exp3:
		if c.Gamma == 0 {
			c.Gamma = 0.01
		}
		if c.RewardScale == 0 {
			c.RewardScale = 1
		}
	case UCB1, Thompson:
	default:
		return c, fmt.Errorf("%w: SamplerConfig.Method = %v", ErrInvalid, c.Method)
	}
	if c.C == 0 && !c.NoBonus {
		c.C = 1
	}
	if c.NoBonus {
		c.C = 0
	}
	if c.Decay == 0 {
		c.Decay = 1
	}
	bad := func(f string, v any, want string) (SamplerConfig, error) {
		return c, fmt.Errorf("%w: SamplerConfig.%s = %v (%s)", ErrInvalid, f, v, want)
	}
	switch {
	case c.Window < 0 || c.Window > MaxWindow || ((c.Method == DUMP || c.Method == SWUCB) && c.Window == 0):
		return bad("Window", c.Window, fmt.Sprintf("must be in [1, %d]", MaxWindow))
	case !num.IsFinite(c.C) || c.C < 0:
		return bad("C", c.C, "must be finite and ≥ 0")
	case (c.Method == DUMP || c.Method == SEC) && !(c.Temperature > 0 && !math.IsInf(c.Temperature, 1)):
		return bad("Temperature", c.Temperature, "must be finite and > 0")
	case c.Method == SEC && !(c.Alpha > 0 && c.Alpha <= 1):
		return bad("Alpha", c.Alpha, "must be in (0, 1]")
	case (c.Method == DUCB || c.Method == Exp3) && !(c.Gamma > 0 && c.Gamma <= 1):
		return bad("Gamma", c.Gamma, "must be in (0, 1]")
	case c.Method == Exp3 && !(c.RewardScale > 0 && !math.IsInf(c.RewardScale, 1)):
		return bad("RewardScale", c.RewardScale, "must be finite and > 0")
	case !(c.Decay > 0 && c.Decay <= 1):
		return bad("Decay", c.Decay, "must be in (0, 1]")
	case !(c.Epsilon >= 0 && c.Epsilon <= 1):
		return bad("Epsilon", c.Epsilon, "must be in [0, 1]")
	case c.ValidationFeed && c.Method != DUMP:
		return bad("ValidationFeed", true, "only DUMP has validation feeding")
	}
	return c, nil
}
