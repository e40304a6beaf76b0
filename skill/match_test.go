package skill

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// bruteMatch counts overlapping occurrences position by position.
func bruteMatch(text, t string) match {
	m := match{first: -1}
	if t == "" {
		return m
	}
	for i := 0; i+len(t) <= len(text); i++ {
		if text[i:i+len(t)] == t {
			if m.count == 0 {
				m.first = i
			}
			m.count++
		}
	}
	return m
}

func TestMatchAllAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte("ab\nc"[r.IntN(4)])
		}
		return b.String()
	}
	for trial := range 500 {
		text := word(r.IntN(300))
		targets := make([]string, 1+r.IntN(12))
		for k := range targets {
			if len(text) > 0 && r.IntN(2) == 0 { // a substring of the text
				i := r.IntN(len(text))
				j := min(len(text), i+r.IntN(40))
				targets[k] = text[i:j]
			} else {
				targets[k] = word(r.IntN(10))
			}
		}
		got := matchAll(text, targets)
		want := make([]match, len(targets))
		for k, tg := range targets {
			want[k] = bruteMatch(text, tg)
		}
		if d := cmp.Diff(want, got, cmp.AllowUnexported(match{})); d != "" {
			t.Fatalf("trial %d (text %q, targets %q): -want +got\n%s", trial, text, targets, d)
		}
		for k, tg := range targets {
			if want[k].count > 1 && len(matchLines(text, tg)) != want[k].count {
				t.Fatalf("matchLines(%q) gives %d lines, want %d", tg, len(matchLines(text, tg)), want[k].count)
			}
		}
	}
}
