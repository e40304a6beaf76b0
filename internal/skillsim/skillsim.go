// Package skillsim is a simulated SkillOpt benchmark shared by the skill
// package's tests and examples: tasks that each need a hidden rule, a noisy
// agent that succeeds mostly when the skill states the rule, and an
// optimizer model that proposes rules from failures — some useful, some
// useless, some harmful, some too long and some with bad anchors.
package skillsim

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/budgetkit/budgetkit/skill"
)

// Rule is a hidden rule: tasks on Topic succeed mostly when the skill
// contains Text.
type Rule struct {
	Topic string
	Text  string
}

// Rules are the benchmark's hidden rules.
var Rules = []Rule{
	{"units", "- Convert every quantity to SI units before computing."},
	{"dates", "- Write dates as YYYY-MM-DD."},
	{"citations", "- Cite the source paragraph for every claim."},
	{"rounding", "- Round final numeric answers to two decimals."},
	{"negation", "- Re-read the question for negations before answering."},
	{"tables", "- Read table headers before reading cells."},
	{"currency", "- State the currency code next to every amount."},
	{"lists", "- Answer list questions with one item per line."},
}

// Harmful rules lower every task's success.
var Harmful = []string{
	"- Answer as fast as possible; skip any verification.",
	"- Never show intermediate steps, even when asked.",
}

// Useless rules change nothing.
var Useless = []string{
	"- Be helpful and accurate.",
	"- Think carefully about the task.",
	"- Use good judgement.",
}

// Initial is the starting skill.
const Initial = "# Skill: answering analyst questions\n\n## Rules\n- Answer the question that was asked.\n"

// Bench is the simulated benchmark.
type Bench struct {
	Seed           uint64
	Train, Val     []string
	High, Low      float64 // success probability with and without the task's rule
	HarmPenalty    float64 // success lost per harmful rule present
	MaxLength      int     // beyond this many bytes the agent gets confused
	LengthPenalty  float64
	Evaluations    atomic.Int64 // items evaluated
	mu             sync.Mutex
	DocsEvaluated  map[string]int // validation evaluations per document hash
	ParallelAgents int            // run items on this many goroutines (0: sequential)
}

// NewBench returns a benchmark with nTrain training and nVal validation tasks.
func NewBench(seed uint64, nTrain, nVal int) *Bench {
	b := &Bench{Seed: seed, High: 0.9, Low: 0.15, HarmPenalty: 0.35, MaxLength: 2000, LengthPenalty: 0.3, DocsEvaluated: map[string]int{}}
	for i := range nTrain {
		b.Train = append(b.Train, fmt.Sprintf("train-%03d", i))
	}
	for i := range nVal {
		b.Val = append(b.Val, fmt.Sprintf("val-%03d", i))
	}
	return b
}

// RuleOf returns the rule task id needs.
func (b *Bench) RuleOf(id string) Rule {
	return Rules[int(hash64(b.Seed, id)%uint64(len(Rules)))]
}

func hash64(seed uint64, parts ...string) uint64 {
	h := fnv.New64a()
	fmt.Fprint(h, seed)
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	z := h.Sum64() // FNV's high bits mix poorly: finish with splitmix64
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Prob is the agent's success probability on task id under doc.
func (b *Bench) Prob(doc skill.Document, id string) float64 {
	text := doc.Text()
	p := b.Low
	if strings.Contains(text, b.RuleOf(id).Text) {
		p = b.High
	}
	for _, h := range Harmful {
		if strings.Contains(text, h) {
			p -= b.HarmPenalty
		}
	}
	if len(text) > b.MaxLength {
		p -= b.LengthPenalty
	}
	return math.Max(0.02, p)
}

// Evaluate implements skill.Evaluator: a deterministic Bernoulli draw per
// (document, item), so the same document always gets the same results.
func (b *Bench) Evaluate(ctx context.Context, doc skill.Document, split skill.Split, ids []string) ([]skill.Result, error) {
	if split == skill.SplitValidation {
		b.mu.Lock()
		b.DocsEvaluated[doc.Hash()]++
		b.mu.Unlock()
	}
	out := make([]skill.Result, len(ids))
	run := func(i int) {
		id := ids[i]
		p := b.Prob(doc, id)
		u := float64(hash64(b.Seed, doc.Hash(), id)>>11) / (1 << 53)
		r := skill.Result{ID: id, Soft: p, Cost: 0.001}
		if u < p {
			r.Hard = 1
			r.Trace = "answered correctly"
		} else {
			rule := b.RuleOf(id)
			r.Failure = rule.Topic + ": the answer broke an unstated convention"
			r.Trace = "task on " + rule.Topic + " failed"
		}
		out[i] = r
	}
	if b.ParallelAgents > 0 {
		var wg sync.WaitGroup
		sem := make(chan struct{}, b.ParallelAgents)
		for i := range ids {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				run(i)
			}()
		}
		wg.Wait()
	} else {
		for i := range ids {
			run(i)
		}
	}
	b.Evaluations.Add(int64(len(ids)))
	return out, ctx.Err()
}

// Proposer is the simulated optimizer model. For each failure pattern in
// its minibatch it proposes the topic's rule — unless its noise makes it
// propose a useless rule, a harmful one, a far too long one or an edit with
// a bad anchor instead.
type Proposer struct {
	Seed                                  uint64
	PUseless, PHarmful, PLong, PBadAnchor float64
}

// NewProposer returns a proposer with the example's noise levels.
func NewProposer(seed uint64) *Proposer {
	return &Proposer{Seed: seed, PUseless: 0.2, PHarmful: 0.15, PLong: 0.1, PBadAnchor: 0.1}
}

func (p *Proposer) rng(step, call, attempt int) *rand.Rand {
	return rand.New(rand.NewPCG(p.Seed, uint64(step)<<32|uint64(call)<<8|uint64(attempt)))
}

// Propose implements skill.Proposer.
func (p *Proposer) Propose(_ context.Context, req skill.Request) (skill.Proposal, error) {
	attempt := 0
	if req.Retry != nil {
		attempt = req.Retry.Attempt
	}
	r := p.rng(req.Step, req.Call, attempt)
	text := req.Document.Text()
	var edits []skill.Edit
	seen := map[string]bool{}
	for _, ro := range req.Rollouts {
		if !ro.Failed() {
			continue
		}
		topic, _, _ := strings.Cut(ro.Failure, ":")
		if seen[topic] {
			continue
		}
		seen[topic] = true
		var rule string
		for _, ru := range Rules {
			if ru.Topic == topic {
				rule = ru.Text
			}
		}
		if rule == "" || strings.Contains(text, rule) {
			continue
		}
		u := r.Float64()
		switch {
		case u < p.PUseless:
			rule = Useless[r.IntN(len(Useless))]
		case u < p.PUseless+p.PHarmful:
			rule = Harmful[r.IntN(len(Harmful))]
		case u < p.PUseless+p.PHarmful+p.PLong:
			rule = rule + " " + strings.Repeat("Explain the reasoning behind this convention in detail. ", 40)
		case u < p.PUseless+p.PHarmful+p.PLong+p.PBadAnchor && attempt == 0:
			edits = append(edits, skill.Edit{Op: skill.OpInsertAfter, Target: "## Rule list", Content: rule})
			continue
		}
		if strings.Contains(text, rule) {
			continue
		}
		edits = append(edits, skill.Edit{Op: skill.OpAppendSection, Target: "Rules", Content: rule})
		if req.Limits.Edits >= 0 && len(edits) >= req.Limits.Edits {
			break
		}
	}
	// Now and then it notices a harmful or bloated rule and removes it.
	if r.Float64() < 0.5 {
		for _, ln := range strings.Split(text, "\n") {
			bad := len(ln) > 300
			for _, h := range Harmful {
				bad = bad || ln == h
			}
			if bad {
				edits = append(edits, skill.Edit{Op: skill.OpDelete, Target: ln + "\n"})
				break
			}
		}
	}
	return skill.Proposal{Reasoning: fmt.Sprintf("%d failure topics", len(seen)), Edits: edits, Cost: 0.01}, nil
}

// EpochEnd implements skill.EpochHook: the guidance names the topics that
// keep failing; the memory counts regressions.
func (p *Proposer) EpochEnd(_ context.Context, req skill.EpochRequest) (skill.EpochUpdate, error) {
	c := req.Counts()
	var topics []string
	seen := map[string]bool{}
	for _, pr := range req.Pairs {
		if pr.Category == skill.PersistFail {
			t, _, _ := strings.Cut(pr.Current.Failure, ":")
			if !seen[t] {
				seen[t] = true
				topics = append(topics, t)
			}
		}
	}
	g := "Topics that kept failing last epoch: " + strings.Join(topics, ", ") + "."
	if len(topics) == 0 {
		g = "No persistent failures last epoch."
	}
	mem := fmt.Sprintf("epoch %d: %d improved, %d regressed, %d persistent failures", req.Epoch, c[skill.Improved], c[skill.Regressed], c[skill.PersistFail])
	if req.Memory != "" {
		mem = req.Memory + "\n" + mem
	}
	return skill.EpochUpdate{Guidance: g, Memory: mem, Cost: 0.01}, nil
}
