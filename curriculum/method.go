package curriculum

import "fmt"

// Method selects a preset: which per-arm estimator, exploration bonus and
// selector a Sampler combines. The zero value is DUMP.
type Method int

const (
	// DUMP ("DUMP: Automated Distribution-Level Curriculum Learning for
	// RL-based LLM Post-training", github.com/ZhentingWang/DUMP): estimator =
	// mean of |advantage| over each arm's last Window values (0 before any);
	// bonus = c·√(2 ln(N+1)/(nⱼ+1)) with nⱼ the arm's responses so far and
	// N = max(1, Σ nⱼ); selector = softmax(s/τ). Defaults Window 300, C 1,
	// Temperature 0.1.
	DUMP Method = iota
	// SEC ("Self-Evolving Curriculum"): Q ← (1−α)Q + α·(this step's mean
	// |advantage| of the arm), arms absent from a step move toward 0 (unless
	// SECKeepAbsent); selector = softmax(Q/τ). Defaults Alpha 0.5,
	// Temperature 1.
	SEC
	// UCB1: argmax of mean|A| + c·√(2 ln N / nⱼ) over responses; arms never
	// observed come first.
	UCB1
	// SWUCB is UCB over a sliding window of the last Window steps
	// (Garivier & Moulines): argmax of the window mean + √(ξ ln min(t, τ) / nⱼ)
	// with ξ = C. Defaults Window 1000, C 1.
	SWUCB
	// DUCB is discounted UCB: statistics decay by γ per step; argmax of the
	// discounted mean + c·√(2 ln n_γ / N_γ,ⱼ). Default Gamma 0.99.
	DUCB
	// Exp3: probabilities (1−γ)·wⱼ/Σw + γ/K; after a step the arm's reward
	// r ∈ [0, 1] (mean |A|, divided by RewardScale and clipped) updates
	// log wⱼ += γ·(r/pⱼ)/K with pⱼ the probability the arm had when drawn.
	// Default Gamma 0.01.
	Exp3
	// Thompson samples Beta posteriors of each arm's success rate (values
	// are rewards in [0, 1]) with decay toward the prior (MoPPS):
	// α ← λα + (1−λ)α₀ + s, β ← λβ + (1−λ)β₀ + (k − s), α₀ = β₀ = 1, λ = 1.
	// Its probabilities are the exact probabilities that each arm's draw is
	// the largest, by quadrature, so that drawing stays one Float64.
	Thompson
)

var methodNames = [...]string{"DUMP", "SEC", "UCB1", "SW-UCB", "D-UCB", "Exp3", "Thompson"}

// String returns the method's name, or Method(n) for an unknown value.
func (m Method) String() string {
	if m >= 0 && int(m) < len(methodNames) {
		return methodNames[m]
	}
	return fmt.Sprintf("Method(%d)", int(m))
}
