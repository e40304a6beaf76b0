// Command skillopt runs the whole SkillOpt loop (package skill) on a
// simulated benchmark and compares the validation gate with accepting
// every edit.
//
// Each task of the benchmark (internal/skillsim) needs one hidden rule; a
// noisy agent mostly succeeds when the skill document states that rule, and
// is hurt by harmful rules and by documents too long to read. A simulated
// optimizer model reads failed rollouts and proposes the missing rules —
// but some of its edits are useless, some harmful, some far too long and
// some anchored on text the document does not contain; now and then it
// also deletes a harmful or bloated line it notices.
//
// The program
//
//  1. runs skill.Optimizer with the reference defaults (the zero
//     skill.OptimizerConfig: 4 epochs, batches of 40, 8 rollouts per optimizer call,
//     seed 42) on 160 training and 40 validation tasks, and prints the
//     validation curve step by step from the audit trail;
//  2. counts the steps by decision and reason, the edits applied, refused
//     and dropped, with a legend of what each count counts, and prints the
//     best skill document as shipped (an empty protected block removed);
//  3. runs an accept-everything baseline — the same evaluator, proposer,
//     number of steps, batch size and edit schedule, but every applicable
//     edit is kept and nothing is gated — and scores both final documents
//     on 400 held-out test tasks that no run ever saw;
//  4. repeats the comparison over 20 seeds, adding two length caps
//     (multi-objective acceptance through Gate.MaxLength, and a
//     Budget.Length limit with the Greedy selector), with the simulated
//     model as it is and with the same model restricted to additions (its
//     deletions removed): whether the gate pays off depends on whether the
//     optimizer model repairs its own mistakes;
//  5. prints the runs' counters (Optimizer.Summary) and a run with a hard
//     budget of evaluation units (Config.MaxEvalUnits), which stops
//     cleanly with the best document so far.
//
// It needs no flags, no network and no files, runs in under a second and
// prints the same output every time:
//
//	go run ./examples/skillopt
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/budgetkit/budgetkit/internal/skillsim"
	"github.com/budgetkit/budgetkit/skill"
)

const (
	seed       = 1    // the featured run's benchmark and proposer seed
	numSeeds   = 20   // seeds 1 … numSeeds for the robustness summary
	numTrain   = 160  // training tasks: 4 steps of 40 per epoch
	numVal     = 40   // validation tasks: the gate's fixed split
	numTest    = 400  // held-out test tasks, seen by no run
	lengthCap  = 1000 // characters allowed by the length-capped runs
	evalBudget = 600  // Config.MaxEvalUnits of the budget-limited run
)

// splitTest names the held-out split. The simulated benchmark derives each
// task's rule from a hash of its id, so any fresh id is a valid task.
const splitTest skill.Split = "test"

// variant is one configuration of the gated optimizer.
type variant struct {
	name string
	cfg  skill.OptimizerConfig
}

// variants are the gated runs compared with accept-everything.
var variants = []variant{
	{"strict gate", skill.OptimizerConfig{}},
	{fmt.Sprintf("gate + MaxLength %d", lengthCap), skill.OptimizerConfig{Gate: skill.Gate{MaxLength: lengthCap}}},
	{fmt.Sprintf("gate + Length budget %d", lengthCap), skill.OptimizerConfig{
		Budget:   skill.Budget{Length: &skill.Schedule{Kind: skill.ScheduleConstant, Max: lengthCap, Steps: 1}},
		Selector: skill.Greedy{},
	}},
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "skillopt:", err)
		os.Exit(1)
	}
}

// run runs every part of the example and writes the report to w, with
// no trailing spaces on any line.
func run(w io.Writer) error {
	var buf bytes.Buffer
	err := report(&buf)
	lines := strings.Split(buf.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	if _, werr := io.WriteString(w, strings.Join(lines, "\n")); err == nil {
		err = werr
	}
	return err
}

// report runs every part of the example and writes the report to w.
func report(w io.Writer) error {
	initial, err := skill.NewDocument(skillsim.Initial)
	if err != nil {
		return err
	}
	bench := skillsim.NewBench(seed, numTrain, numVal)
	test := testIDs()
	fmt.Fprintf(w, "SkillOpt on a simulated benchmark: %d training, %d validation and %d held-out test tasks, %d hidden rules.\n",
		numTrain, numVal, numTest, len(skillsim.Rules))
	fmt.Fprintf(w, "The initial skill scores %.3f on validation and %.3f on test.\n",
		validationScore(bench, initial), testScore(bench, initial, test))

	// 1–2. The gated run with the reference defaults.
	o, out, err := optimize(initial, skill.OptimizerConfig{}, seed, false)
	if err != nil {
		return err
	}
	section(w, "Validation curve (strict gate, reference defaults)")
	printCurve(w, o)
	section(w, "Steps by decision and reason")
	printTally(w, o)
	ship, dropped, err := shipped(out.Best)
	if err != nil {
		return err
	}
	section(w, fmt.Sprintf("Best skill document as shipped (validation %.3f, accepted at step %d, %d characters)",
		out.BestScore, out.BestStep, length(ship)))
	fmt.Fprint(w, indent(ship.Text()))
	if dropped > 0 {
		fmt.Fprintf(w, "\n(%d empty protected block(s) removed: the optimizer adds an empty SLOW_UPDATE block at the end of\n"+
			"epoch 1 to hold later slow-update guidance, and none had been written into it when this document was\n"+
			"accepted. An empty block tells the agent nothing; expected test score %.3f with it and %.3f without.)\n",
			dropped, expectedScore(bench, out.Best, test), expectedScore(bench, ship, test))
	}

	// 3. Accept-everything and the length caps, on held-out tasks.
	naive, err := acceptAll(initial, seed, false)
	if err != nil {
		return err
	}
	section(w, "Strict gate vs accept-everything")
	fmt.Fprintf(w, "validation after each of the %d steps (▁ = 0 … █ = 1):\n", len(naive.curve))
	fmt.Fprintf(w, "  strict gate (current document)  %s\n", sparkline(currentCurve(o)))
	fmt.Fprintf(w, "  accept-everything               %s\n", sparkline(naive.curve))
	fmt.Fprintf(w, "accept-everything kept %d edits and dropped %d (strictly inapplicable or beyond the step's edit limit).\n\n",
		naive.applied, naive.dropped)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\tvalidation\ttest\ttest (expected)\tcharacters\trules stated\tharmful lines\t")
	row := func(name string, doc skill.Document, val float64) {
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%d\t%d/%d\t%d\t\n", name, val,
			testScore(bench, doc, test), expectedScore(bench, doc, test), length(doc),
			rulesStated(doc), len(skillsim.Rules), harmfulLines(doc))
	}
	row("initial skill", initial, validationScore(bench, initial))
	row("strict gate (best, shipped)", ship, out.BestScore)
	row("accept-everything (last)", naive.doc, validationScore(bench, naive.doc))
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "test: mean success on the %d unseen tasks; expected: the agent's mean success probability on them\n", numTest)
	fmt.Fprintf(w, "(the test score without sampling noise). The simulated agent is confused beyond %d characters.\n", bench.MaxLength)
	fmt.Fprintln(w, "The gated runs' validation scores are those that won the gate, so they are biased upwards;")
	fmt.Fprintln(w, "the held-out test tasks are the fair comparison.")

	// 4. The same comparison over seeds, with and without deletions.
	section(w, fmt.Sprintf("Over seeds 1–%d: mean expected test score (runs ending beyond %d characters)", numSeeds, bench.MaxLength))
	if err := printSeeds(w, initial, test); err != nil {
		return err
	}

	// 5. Counters and a budget-limited run.
	section(w, "Counters")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\tstop\tsteps\teval units\tproposer calls\tcost\tbest validation\t")
	counters := func(name string, oc skill.Summary) {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%.2f\t%.3f\t\n", name, oc.Stop, oc.Steps, oc.EvalUnits, oc.ProposerCalls, oc.Cost, oc.BestScore)
	}
	counters("strict gate", out)
	limited, lo, err := optimize(initial, skill.OptimizerConfig{MaxEvalUnits: evalBudget}, seed, false)
	if err != nil {
		return err
	}
	counters(fmt.Sprintf("strict gate, MaxEvalUnits %d", evalBudget), lo)
	fmt.Fprintf(tw, "accept-everything\t%s\t%d\t%d\t%d\t%.2f\t%s\t\n", skill.StopDone, len(naive.curve), naive.evalUnits, naive.calls, naive.cost, "—")
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "eval units: tasks run (a document already scored on validation costs none); cost: the simulation's")
	fmt.Fprintln(w, "0.001 per task and 0.01 per optimizer call. Accept-everything's units leave out the validation")
	fmt.Fprintln(w, "scoring done only to draw its curve.")
	var last skill.Record
	for r := range limited.Records() {
		last = r
	}
	fmt.Fprintf(w, "\nThe run with MaxEvalUnits %d stopped with %q after %d eval units: step %d was recorded as %q (%s)\n",
		evalBudget, lo.Stop, lo.EvalUnits, last.Step, last.Decision, last.Reason)
	fmt.Fprintf(w, "because its next evaluation would have exceeded the budget. It keeps the best document so far:\n")
	fmt.Fprintf(w, "validation %.3f, test %.3f, accepted at step %d.\n", lo.BestScore, testScore(bench, lo.Best, test), lo.BestStep)
	return nil
}

// shipped returns doc without its empty protected blocks (markers with
// only white space between them) and the number removed. Blocks with
// slow-update guidance stay.
func shipped(doc skill.Document) (skill.Document, int, error) {
	text := doc.Text()
	spans := doc.Protected()
	removed := 0
	for i := len(spans) - 1; i >= 0; i-- {
		sp := spans[i]
		inner := strings.TrimPrefix(strings.TrimSuffix(text[sp.Start:sp.End], skill.ProtectedEnd), skill.ProtectedStart)
		if strings.TrimSpace(inner) != "" {
			continue
		}
		end := sp.End
		if end < len(text) && text[end] == '\n' {
			end++
		}
		text = text[:sp.Start] + text[end:]
		removed++
	}
	if removed == 0 {
		return doc, 0, nil
	}
	text = strings.TrimRight(text, "\n") + "\n"
	d, err := skill.NewDocument(text)
	return d, removed, err
}

// addOnly is the simulated optimizer model without its deletions: it never
// removes a rule it wrote. Embedding keeps its epoch-end hook.
type addOnly struct{ *skillsim.Proposer }

// Propose implements skill.Proposer.
func (a addOnly) Propose(ctx context.Context, req skill.Request) (skill.Proposal, error) {
	p, err := a.Proposer.Propose(ctx, req)
	p.Edits = slices.DeleteFunc(p.Edits, func(e skill.Edit) bool { return e.Op == skill.OpDelete })
	return p, err
}

// newProposer returns the simulated optimizer model for a seed.
func newProposer(s uint64, additionsOnly bool) skill.Proposer {
	p := skillsim.NewProposer(s)
	if additionsOnly {
		return addOnly{p}
	}
	return p
}

// optimize runs skill.Optimizer on a fresh benchmark and proposer.
func optimize(initial skill.Document, cfg skill.OptimizerConfig, s uint64, additionsOnly bool) (*skill.Optimizer, skill.Summary, error) {
	bench := skillsim.NewBench(s, numTrain, numVal)
	o, err := skill.NewOptimizer(initial, bench.Train, bench.Val, cfg)
	if err != nil {
		return nil, skill.Summary{}, err
	}
	out, err := o.Run(context.Background(), bench, newProposer(s, additionsOnly))
	return o, out, err
}

// naiveRun is the result of the accept-everything baseline.
type naiveRun struct {
	doc              skill.Document
	curve            []float64 // validation score after each step
	applied, dropped int
	evalUnits, calls int
	cost             float64
}

// acceptAll is the accept-everything baseline: the optimizer's loop
// without the gate. Each epoch shuffles the training tasks into batches of
// the reference's size; each step runs the current document on its batch,
// asks the optimizer model about minibatches of failures and of successes,
// keeps every proposed edit that applies strictly, up to the step's edit
// limit (the same cosine schedule), and adopts the result whatever it
// scores. It has no retries and no epoch-end update (the simulated
// guidance never states a rule, so it would not change the agent's
// success).
func acceptAll(initial skill.Document, s uint64, additionsOnly bool) (naiveRun, error) {
	const epochs, batchSize, perCall = 4, 40, 8 // the zero Config's values
	ctx := context.Background()
	bench := skillsim.NewBench(s, numTrain, numVal)
	prop := newProposer(s, additionsOnly)
	budget := skill.Budget{Steps: epochs * ((numTrain + batchSize - 1) / batchSize)}
	rng := rand.New(rand.NewPCG(42, s))
	res := naiveRun{doc: initial}
	step := 0
	for epoch := 1; epoch <= epochs; epoch++ {
		order := rng.Perm(numTrain)
		for lo := 0; lo < numTrain; lo += batchSize {
			step++
			var ids []string
			for _, k := range order[lo:min(lo+batchSize, numTrain)] {
				ids = append(ids, bench.Train[k])
			}
			rs, err := bench.Evaluate(ctx, res.doc, skill.SplitTrain, ids)
			if err != nil {
				return res, err
			}
			res.evalUnits += len(ids)
			var fail, succ []skill.Result
			for _, r := range rs {
				res.cost += r.Cost
				if r.Failed() {
					fail = append(fail, r)
				} else {
					succ = append(succ, r)
				}
			}
			lim := budget.At(step - 1)
			var edits []skill.Edit
			call, calls := 0, (len(fail)+perCall-1)/perCall+(len(succ)+perCall-1)/perCall
			for k, group := range [][]skill.Result{fail, succ} {
				rng.Shuffle(len(group), func(i, j int) { group[i], group[j] = group[j], group[i] })
				for a := 0; a < len(group); a += perCall {
					p, err := prop.Propose(ctx, skill.Request{
						Document: res.doc, Epoch: epoch, Step: step, Call: call, Calls: calls,
						Successes: k == 1, Limits: lim, Rollouts: group[a:min(a+perCall, len(group))],
					})
					call++
					res.calls++
					if err != nil {
						continue
					}
					res.cost += p.Cost
					for _, e := range p.Edits {
						if slices.Contains(edits, e) {
							continue
						}
						try := append(slices.Clone(edits), e)
						if _, err := skill.Apply(res.doc, try); err != nil || len(edits) == lim.Edits {
							res.dropped++
							continue
						}
						edits = try
					}
				}
			}
			if len(edits) > 0 {
				doc, err := skill.Apply(res.doc, edits)
				if err != nil {
					return res, err
				}
				res.doc = doc
				res.applied += len(edits)
			}
			res.curve = append(res.curve, validationScore(bench, res.doc))
		}
	}
	return res, nil
}

// printSeeds runs every variant and accept-everything on numSeeds seeds,
// with the simulated model as it is and restricted to additions, and
// prints the mean expected test score of the final documents.
func printSeeds(w io.Writer, initial skill.Document, test []string) error {
	models := []string{"model as simulated", "model that never deletes"}
	names := []string{}
	for _, v := range variants {
		names = append(names, v.name)
	}
	names = append(names, "accept-everything")
	mean := make([][2]float64, len(names))
	long := make([][2]int, len(names))
	tooLong := [2]int{} // steps Gate.MaxLength refused
	for s := uint64(1); s <= numSeeds; s++ {
		bench := skillsim.NewBench(s, numTrain, numVal)
		for m := range models {
			additionsOnly := m == 1
			docs := make([]skill.Document, 0, len(names))
			for _, v := range variants {
				o, out, err := optimize(initial, v.cfg, s, additionsOnly)
				if err != nil {
					return err
				}
				docs = append(docs, out.Best)
				for r := range o.Records() {
					if r.Kind == skill.KindStep && category(r.Reason) == "too long (Gate.MaxLength)" {
						tooLong[m]++
					}
				}
			}
			naive, err := acceptAll(initial, s, additionsOnly)
			if err != nil {
				return err
			}
			docs = append(docs, naive.doc)
			for i, d := range docs {
				mean[i][m] += expectedScore(bench, d, test) / numSeeds
				if len(d.Text()) > bench.MaxLength {
					long[i][m]++
				}
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "run\t%s\t%s\t\n", models[0], models[1])
	for i, name := range names {
		fmt.Fprintf(tw, "%s\t%.3f (%d)\t%.3f (%d)\t\n", name, mean[i][0], long[i][0], mean[i][1], long[i][1])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	naive := len(names) - 1
	for m, model := range models {
		d := mean[0][m] - mean[naive][m]
		switch {
		case d > 0:
			fmt.Fprintf(w, "%s: the strict gate ends %.3f above accept-everything.\n", model, d)
		case d < 0:
			fmt.Fprintf(w, "%s: accept-everything ends %.3f above the strict gate.\n", model, -d)
		default:
			fmt.Fprintf(w, "%s: the strict gate and accept-everything end level.\n", model)
		}
	}
	fmt.Fprintf(w, "Gate.MaxLength refused %d and %d steps for length.\n", tooLong[0], tooLong[1])
	fmt.Fprintln(w, "The simulated model now and then deletes a harmful or bloated line it notices; a pipeline that")
	fmt.Fprintln(w, "accepts everything depends on such repairs. The gate keeps harmful edits out up front, but it")
	fmt.Fprintln(w, "judges a step's edits as one bundle on 40 noisy validation tasks, so it also loses good edits")
	fmt.Fprintln(w, "bundled with bad ones and can hold on to a document that got a lucky score. A length cap stops")
	fmt.Fprintln(w, "bloated rules before a lucky score can let them in.")
	return nil
}

// printCurve prints one line per step and epoch-end update of the audit
// trail.
func printCurve(w io.Writer, o *skill.Optimizer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "epoch\tstep\tfailed\tedits\tdecision\tvalidation\tbest\tcurrent\tnote")
	cur, best := 0.0, 0.0
	for r := range o.Records() {
		switch r.Kind {
		case skill.KindBaseline:
			cur, best = r.ScoreAfter, r.Best
			fmt.Fprintf(tw, "0\t0\t\t\t%s\t%.3f\t%.3f\t%s\t%s\n", r.Decision, r.ScoreAfter, best, bar(cur), "the initial skill")
		case skill.KindStep:
			score := ""
			if scored(r.Decision) {
				score = fmt.Sprintf("%.3f → %.3f", r.ScoreBefore, r.ScoreAfter)
			}
			if accepted(r.Decision) {
				cur = r.ScoreAfter
			}
			best = r.Best
			fmt.Fprintf(tw, "%d\t%d\t%d/%d\t%d\t%s\t%s\t%.3f\t%s\t%s\n", r.Epoch, r.Step, r.Failed, r.Total,
				len(r.Applied), r.Decision, score, best, bar(cur), stepNote(r))
		case skill.KindSlow:
			note := "epoch-end update: " + r.Reason
			switch r.Decision {
			case skill.DecisionPlaceholder:
				note = "empty protected block added for the slow update"
			case skill.DecisionForce:
				note = fmt.Sprintf("slow-update guidance injected without the gate (not scored); %d improved, %d regressed",
					r.Pairs[skill.Improved], r.Pairs[skill.Regressed])
			}
			fmt.Fprintf(tw, "%d\t·\t\t\t%s\t\t%.3f\t%s\t%s\n", r.Epoch, r.Decision, best, bar(cur), note)
		case skill.KindFinal:
			score := ""
			if r.Decision == skill.DecisionPromote || r.Decision == skill.DecisionKeep && r.Reason == "" {
				score = fmt.Sprintf("%.3f → %.3f", r.ScoreBefore, r.ScoreAfter)
			}
			note := r.Reason
			if note == "" {
				note = "the last document vs the best"
			}
			fmt.Fprintf(tw, "final\t\t\t\t%s\t%s\t%.3f\t\t%s\n", r.Decision, score, r.Best, note)
		}
	}
	tw.Flush()
}

// stepNote is a short explanation of a step's decision.
func stepNote(r skill.Record) string {
	var parts []string
	if r.Reason != "" {
		parts = append(parts, r.Reason)
	}
	if len(r.Dropped) > 0 {
		parts = append(parts, fmt.Sprintf("%d edit(s) dropped", len(r.Dropped)))
	}
	retried := 0
	for _, c := range r.Calls {
		if c.Attempt > 0 {
			retried++
		}
	}
	if retried > 0 {
		parts = append(parts, fmt.Sprintf("%d call(s) retried", retried))
	}
	return strings.Join(parts, "; ")
}

// printTally counts the steps by decision and reason, and the edits
// proposed, applied, refused and dropped.
func printTally(w io.Writer, o *skill.Optimizer) {
	decisions := map[string]int{}
	reasons := map[string]int{}
	dropped := map[string]int{}
	refused := map[string]int{}
	var kept, rejected, proposed, retried int
	for r := range o.Records() {
		if r.Kind != skill.KindStep {
			continue
		}
		decisions[string(r.Decision)]++
		if !accepted(r.Decision) && r.Reason != "" {
			reasons[string(r.Decision)+": "+category(r.Reason)]++
		}
		switch {
		case accepted(r.Decision):
			kept += len(r.Applied)
		case r.Decision == skill.DecisionReject:
			rejected += len(r.Applied)
		}
		for _, d := range r.Dropped {
			dropped[category(d.Reason)]++
		}
		for _, c := range r.Calls {
			proposed += len(c.Proposal.Edits)
			if len(c.Refused) > 0 && c.Attempt < o.Config().Retries {
				retried++
				for _, why := range c.Refused {
					refused[category(why)]++
				}
			}
		}
	}
	fmt.Fprintln(w, "steps by decision:")
	printCounts(w, decisions)
	fmt.Fprintln(w, "steps not accepted, by reason:")
	printCounts(w, reasons)
	fmt.Fprintf(w, "edits: %d proposed (retries included); %d applied in accepted steps, %d in candidates the gate rejected.\n",
		proposed, kept, rejected)
	refusedEdits := 0
	for _, n := range refused {
		refusedEdits += n
	}
	fmt.Fprintf(w, "proposals refused and asked again: %d calls, holding %d edits that did not apply, by error:\n", retried, refusedEdits)
	printCounts(w, refused)
	fmt.Fprintln(w, "edits dropped, by reason:")
	printCounts(w, dropped)
	fmt.Fprintln(w, `
What the counts count:
  steps         one per batch of 40 training tasks: 4 per epoch, 16 in all; each ends in one decision.
  proposed      edits in every optimizer call's proposal, a call asked again counted each time.
  applied       edits in a step's candidate document; the gate accepts or rejects the candidate as a whole,
                so an edit is "applied in accepted steps" or "in candidates the gate rejected".
  refused       a proposal with an edit that does not apply (for example an anchor not in the document) is
                refused and the call asked again; the counts by error are of edits, so one refused call can
                hold several, and calls and edits differ.
  dropped       edits left out of a candidate: conflicting with another call's edit, or beyond the step's
                edit limit.`)
}

// printCounts prints a count per key, most frequent first.
func printCounts(w io.Writer, m map[string]int) {
	if len(m) == 0 {
		fmt.Fprintln(w, "  (none)")
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	for _, k := range keys {
		fmt.Fprintf(w, "  %4d  %s\n", m[k], k)
	}
}

// category reduces a decision reason or an edit error to its kind.
func category(reason string) string {
	switch {
	case strings.Contains(reason, "conflicts with another call"):
		return "conflicts with another call's edit"
	case strings.Contains(reason, "still does not apply"):
		return "rest of the proposal does not apply"
	case strings.Contains(reason, skill.ErrAnchorMissing.Error()):
		return "bad anchor (target not found)"
	case strings.Contains(reason, skill.ErrAnchorAmbiguous.Error()):
		return "ambiguous anchor"
	case strings.Contains(reason, skill.ErrOverlap.Error()):
		return "overlapping edits"
	case strings.Contains(reason, skill.ErrProtected.Error()):
		return "touches the protected region"
	case strings.Contains(reason, skill.ErrNoOp.Error()):
		return "no-op edit"
	case strings.Contains(reason, skill.ErrOverBudget.Error()):
		return "over the step's budget"
	case strings.Contains(reason, "exceeds MaxLength"):
		return "too long (Gate.MaxLength)"
	case strings.HasPrefix(reason, "not significant"):
		return "not significant"
	}
	return reason
}

// currentCurve is the validation score of the current document after each
// step of a gated run.
func currentCurve(o *skill.Optimizer) []float64 {
	var curve []float64
	cur := 0.0
	for r := range o.Records() {
		switch {
		case r.Kind == skill.KindBaseline:
			cur = r.ScoreAfter
		case r.Kind == skill.KindStep:
			if accepted(r.Decision) {
				cur = r.ScoreAfter
			}
			curve = append(curve, cur)
		}
	}
	return curve
}

func scored(d skill.Decision) bool { return accepted(d) || d == skill.DecisionReject }

func accepted(d skill.Decision) bool {
	return d == skill.DecisionAccept || d == skill.DecisionNewBest
}

// validationScore is the mean hard score of doc on the validation split.
func validationScore(b *skillsim.Bench, doc skill.Document) float64 {
	return meanHard(b, doc, skill.SplitValidation, b.Val)
}

// testScore is the mean hard score of doc on the held-out test tasks.
func testScore(b *skillsim.Bench, doc skill.Document, ids []string) float64 {
	return meanHard(b, doc, splitTest, ids)
}

func meanHard(b *skillsim.Bench, doc skill.Document, split skill.Split, ids []string) float64 {
	rs, err := b.Evaluate(context.Background(), doc, split, ids)
	if err != nil || len(rs) == 0 {
		return 0
	}
	s := 0.0
	for _, r := range rs {
		s += r.Hard
	}
	return s / float64(len(rs))
}

// expectedScore is the agent's mean success probability on ids: the test
// score without the sampling noise.
func expectedScore(b *skillsim.Bench, doc skill.Document, ids []string) float64 {
	s := 0.0
	for _, id := range ids {
		s += b.Prob(doc, id)
	}
	return s / float64(len(ids))
}

// testIDs are the held-out tasks.
func testIDs() []string {
	ids := make([]string, numTest)
	for i := range ids {
		ids[i] = fmt.Sprintf("test-%03d", i)
	}
	return ids
}

// rulesStated counts the hidden rules doc states (possibly inside a
// bloated line).
func rulesStated(doc skill.Document) int {
	n := 0
	for _, r := range skillsim.Rules {
		if strings.Contains(doc.Text(), r.Text) {
			n++
		}
	}
	return n
}

// harmfulLines counts the harmful rules doc contains.
func harmfulLines(doc skill.Document) int {
	n := 0
	for _, h := range skillsim.Harmful {
		if strings.Contains(doc.Text(), h) {
			n++
		}
	}
	return n
}

func length(doc skill.Document) int { return utf8.RuneCountInString(doc.Text()) }

var blocks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws scores in [0, 1] as block characters.
func sparkline(xs []float64) string {
	var s strings.Builder
	for _, x := range xs {
		k := int(x * float64(len(blocks)))
		s.WriteRune(blocks[max(0, min(k, len(blocks)-1))])
	}
	return s.String()
}

// bar draws a score in [0, 1] as a bar of up to 20 characters.
func bar(x float64) string {
	return strings.Repeat("█", max(0, min(int(x*20+0.5), 20)))
}

func section(w io.Writer, title string) {
	fmt.Fprintf(w, "\n== %s ==\n\n", title)
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n") + "\n"
}
