package skill

//go:generate sh -c "python3 testdata/gen_nfd.py > nfd_table.go && python3 testdata/gen_nfd.py --cases > testdata/nfd_cases.json"

import (
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// nfd returns s in Unicode Normalization Form D (canonical decomposition
// followed by the canonical ordering of combining marks), so that two
// canonically equivalent strings — "é" as U+00E9 or as e + U+0301 — compare
// equal. It is used only to explain a missing target (the standard library
// has no normaliser and golang.org/x/text is not a dependency of this
// package); the tables come from testdata/gen_nfd.py. ASCII input is
// returned as is. O(n log k) for n runes and k decomposable runes.
func nfd(s string) string {
	if isASCII(s) {
		return s
	}
	out := make([]rune, 0, len(s))
	for _, r := range s {
		out = appendDecomposed(out, r)
	}
	// Canonical ordering: stable sort of each run of non-starters by class.
	for i := 0; i < len(out); {
		if ccc(out[i]) == 0 {
			i++
			continue
		}
		j := i
		for j < len(out) && ccc(out[j]) != 0 {
			j++
		}
		run := out[i:j]
		sort.SliceStable(run, func(a, b int) bool { return ccc(run[a]) < ccc(run[b]) })
		i = j
	}
	return string(out)
}

// Hangul syllable decomposition constants (Unicode §3.12).
const (
	hangulBase, hangulCount = 0xAC00, 11172
	jamoL, jamoV, jamoT     = 0x1100, 0x1161, 0x11A7
	jamoVCount, jamoTCount  = 21, 28
	jamoNCount              = jamoVCount * jamoTCount
)

func appendDecomposed(out []rune, r rune) []rune {
	if r >= hangulBase && r < hangulBase+hangulCount {
		s := r - hangulBase
		out = append(out, jamoL+s/jamoNCount, jamoV+(s%jamoNCount)/jamoTCount)
		if t := s % jamoTCount; t != 0 {
			out = append(out, jamoT+t)
		}
		return out
	}
	if i, ok := slices.BinarySearch(nfdKeys[:], r); ok {
		return append(out, []rune(nfdData[nfdOffs[i]:nfdOffs[i+1]])...)
	}
	return append(out, r)
}

// ccc is the canonical combining class of r (0 for starters).
func ccc(r rune) uint8 {
	i := sort.Search(len(cccRanges), func(i int) bool { return cccRanges[i].hi >= r })
	if i < len(cccRanges) && cccRanges[i].lo <= r {
		return cccRanges[i].ccc
	}
	return 0
}

// normalisedLine returns the first line of text that contains target once
// both are in NFD, or "" if none does (or target is ASCII, which has one
// form only). It tells a user that a missing target is in the document
// under another Unicode normalisation form.
func normalisedLine(text, target string) string {
	if isASCII(target) {
		return ""
	}
	want := nfd(target)
	first, _, _ := strings.Cut(want, "\n")
	if !strings.Contains(nfd(text), want) {
		return ""
	}
	for l := range strings.SplitSeq(text, "\n") {
		if strings.Contains(nfd(l), first) {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
