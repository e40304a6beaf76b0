// Command schedules compares budget-aware learning-rate profiles over the
// same 10,000-step budget and the token-budget curricula of RL reasoning
// training. It prints a table and writes out/schedules_lr.png and
// out/schedules_tokens.png.
//
//	go run ./examples/schedules [-out out]
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"text/tabwriter"

	"github.com/budgetkit/budgetkit/budget/schedule"
)

const (
	steps = 10000
	peak  = 3e-4
)

func must(s schedule.Schedule, err error) schedule.Schedule {
	if err != nil {
		log.Fatal(err)
	}
	return s
}

func main() {
	out := flag.String("out", "out", "directory for the PNG files")
	flag.Parse()
	if err := run(os.Stdout, *out); err != nil {
		fmt.Fprintln(os.Stderr, "schedules:", err)
		os.Exit(1)
	}
}

// lrProfile is a named learning-rate profile.
type lrProfile struct {
	name string
	s    schedule.Schedule
}

// tokenProfile is a named thinking-budget curriculum.
type tokenProfile struct {
	name string
	s    schedule.Budget
}

// run prints the tables to w and writes the pictures to out.
func run(w io.Writer, out string) error {

	warm := func(s schedule.Schedule) schedule.Schedule { return must(schedule.Warmup(s, 500)) }
	lr := []lrProfile{
		{"cosine", warm(must(schedule.Cosine(peak, peak/10, steps-500)))},
		{"linear", warm(must(schedule.Polynomial(peak, 0, steps-500, 1)))},
		{"REX", warm(must(schedule.REX(peak, steps-500)))},
		{"WSD (20% 1-sqrt)", must(schedule.WSD(peak, 0, steps, 500, 0.2, schedule.DecaySqrt))},
		{"OneCycle", must(schedule.OneCycle(peak, steps, schedule.OneCycleConfig{}))},
		{"inverse sqrt (w = 1,000)", warm(must(schedule.InvSqrt(peak, 1000)))},
		{"step ×0.1 @ 50%, 75%", warm(must(schedule.MultiStep(peak, 0.1, []int{4750, 7125})))},
		{"REX per 1,000 steps", warm(must(schedule.Every(must(schedule.REX(peak, steps-500)), 1000)))},
	}
	at := []int{0, 250, 500, 2500, 5000, 7500, 9000, 9999}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "learning rate (×1e-4)\t")
	for _, t := range at {
		fmt.Fprintf(tw, "t=%d\t", t)
	}
	fmt.Fprintln(tw)
	for _, p := range lr {
		fmt.Fprintf(tw, "%s\t", p.name)
		for _, t := range at {
			fmt.Fprintf(tw, "%.3f\t", p.s.At(t)*1e4)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()

	tokens := []tokenProfile{
		{"exp decay ×0.7 per 1,000 steps, min 256", schedule.ExpDecay{B0: 4096, Gamma: 0.7, T: 1000, Min: 256}},
		{"linear 4096 → 1024", schedule.LinearBudget{B0: 4096, End: 1024, Steps: 8000}},
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "thinking budget (tokens)\t")
	for _, t := range at {
		fmt.Fprintf(tw, "t=%d\t", t)
	}
	fmt.Fprintln(tw)
	for _, p := range tokens {
		fmt.Fprintf(tw, "%s\t", p.name)
		for _, t := range at {
			fmt.Fprintf(tw, "%d\t", p.s.At(t))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()

	paths, err := plotProfiles(lr, tokens, out)
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintln(w, "wrote", p)
	}
	return nil
}
