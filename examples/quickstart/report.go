package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"gonum.org/v1/gonum/stat"
)

// ms formats mean ± sd of xs, scaled, with the given decimals.
func ms(xs []float64, scale float64, decimals int) string {
	m, sd := stat.MeanStdDev(xs, nil)
	if len(xs) < 2 {
		sd = 0
	}
	return fmt.Sprintf("%.*f ± %.*f", decimals, scale*m, decimals, scale*sd)
}

func printTable(w io.Writer, sums []summary, o options) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "strategy\teffective-gradient ratio (%%)\tgroups with gradient (%%)\tmean success after %d steps\tallocator time (µs/step)\t\n", o.steps)
	for _, s := range sums {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", s.name, ms(s.effective, 100, 1), ms(s.mixed, 100, 1), ms(s.success, 1, 3), ms(s.allocMicros, 1, 0))
	}
	tw.Flush()
}

// readPassRates reads initial pass rates, one per line, as "p" or
// "source,p"; blank lines and lines starting with # are skipped.
func readPassRates(path string) (setup, error) {
	f, err := os.Open(path)
	if err != nil {
		return setup{}, err
	}
	defer f.Close()
	var s setup
	index := map[string]int{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		name, val, ok := strings.Cut(text, ",")
		if !ok {
			name, val = "all", text
		}
		name = strings.TrimSpace(name)
		p, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil || !(p >= 0 && p <= 1) {
			return setup{}, fmt.Errorf("%s:%d: pass rate %q (must be a number in [0, 1])", path, line, val)
		}
		k, seen := index[name]
		if !seen {
			k = len(s.sources)
			index[name] = k
			s.sources = append(s.sources, name)
		}
		s.passRates = append(s.passRates, p)
		s.sourceOf = append(s.sourceOf, k)
	}
	if err := sc.Err(); err != nil {
		return setup{}, err
	}
	if len(s.passRates) == 0 {
		return setup{}, fmt.Errorf("%s: no pass rates", path)
	}
	return s, nil
}

// The strategies' positions in the summaries.
const (
	iUniform = iota
	iKnapsack
	iDefault
	iDump
)

// compare says how a's per-seed values stand against b's (the same
// seeds): "above" or "below" when the mean paired difference is more than
// two standard errors from zero and at least minEffect, else "level with".
func compare(a, b []float64, minEffect float64) string {
	d := make([]float64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	m, sd := stat.MeanStdDev(d, nil)
	se := 0.0
	if len(d) > 1 {
		se = sd / math.Sqrt(float64(len(d)))
	}
	switch {
	case m > 2*se && m >= minEffect:
		return "above"
	case m < -2*se && m <= -minEffect:
		return "below"
	}
	return "level with"
}

// Smallest differences worth a word: what the table's decimals show.
const (
	minShare   = 0.005 // 0.5 percentage points
	minSuccess = 0.0015
)

func mean(xs []float64) float64 { return stat.Mean(xs, nil) }

// explain returns the paragraphs printed under the tables; every
// comparison word is computed from the numbers.
func explain(tok, grp []summary, sources []string) []string {
	u, k, d, dd := tok[iUniform], tok[iKnapsack], tok[iDefault], tok[iDump]
	gu, gk, gd, gdd := grp[iUniform], grp[iKnapsack], grp[iDefault], grp[iDump]
	var fewer []string
	for i, name := range sources {
		if dd.sourceShare[i] < 1/float64(len(sources)) {
			fewer = append(fewer, name)
		}
	}
	return []string{
		fmt.Sprintf("Knapsack RL raises the effective-gradient ratio (%.1f%% against uniform's %.1f%%) but its share of "+
			"groups with a gradient is %s uniform's (%.1f%% vs %.1f%%): it gives 2 rollouts to prompts whose recent outcomes "+
			"were all successes or all failures.",
			100*mean(k.effective), 100*mean(u.effective), compare(k.mixed, u.mixed, minShare), 100*mean(k.mixed), 100*mean(u.mixed)),
		fmt.Sprintf("Whether that pays depends on the loss: with per-token normalisation a larger group takes a larger step "+
			"and Knapsack RL ends %s uniform (%.3f vs %.3f); with per-group normalisation it does not, and Knapsack RL ends "+
			"%s uniform (%.3f vs %.3f), while budgetkit's default, whose posterior spreads rollouts more evenly, ends %s "+
			"uniform with per-token (%.3f) and %s it with per-group normalisation (%.3f).",
			compare(k.success, u.success, minSuccess), mean(k.success), mean(u.success),
			compare(gk.success, gu.success, minSuccess), mean(gk.success), mean(gu.success),
			compare(d.success, u.success, minSuccess), mean(d.success), compare(gd.success, gu.success, minSuccess), mean(gd.success)),
		fmt.Sprintf("DUMP moves batch slots away from the sources whose groups rarely mix (%s), so more groups carry a "+
			"gradient (%.1f%% and %.1f%%) and it ends %s (%.3f vs %.3f and %.3f vs %.3f).",
			strings.Join(fewer, ", "), 100*mean(dd.mixed), 100*mean(gdd.mixed),
			both(compare(dd.success, d.success, minSuccess), compare(gdd.success, gd.success, minSuccess)),
			mean(dd.success), mean(d.success), mean(gdd.success), mean(gd.success)),
	}
}

// both joins the comparison words of the two normalisations.
func both(tok, grp string) string {
	if tok == grp {
		return tok + " the default's alone under both normalisations"
	}
	return tok + " the default's alone with per-token normalisation and " + grp + " it with per-group"
}

// wrap breaks s into lines of at most width runes at spaces.
func wrap(s string, width int) string {
	var b strings.Builder
	n := 0
	for i, word := range strings.Fields(s) {
		l := utf8.RuneCountInString(word)
		if i > 0 {
			if n+1+l > width {
				b.WriteByte('\n')
				n = 0
			} else {
				b.WriteByte(' ')
				n++
			}
		}
		b.WriteString(word)
		n += l
	}
	return b.String()
}
