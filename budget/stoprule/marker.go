package stoprule

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// Answer-marker patterns of "DUET: Optimize Token-Budget Allocation for
// RLVR" (duet_marker_detector.py in github.com/Haoyu-Hu/DUET), as the
// reference writes them in Python syntax. pyToRE2 translates them: \Z
// becomes \z, and \s and \S become Python's Unicode whitespace class
// (pySpace) and its complement, since Go's \s is [\t\n\f\r ] only (no
// vertical tab, no Unicode spaces).
var (
	mathPatterns = []string{
		// \boxed{…} with up to two levels of nested braces.
		`\\boxed\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}`,
		`\\boxed\[[^\[\]]*\]`,
		`##\s*Final\s+Answer`,
		`Final\s+answer\s*[:=]\s*\S`,
	}
	codePatterns = []string{
		"```\\w+[\\s\\S]*?```", // fence with a language tag, closed
		"```[\\s\\S]*?\\n```",  // generic open and close
		"\\n```\\s*$",          // bare close fence at a line end
		"```\\s*\\Z",           // bare close fence at the end of the text
	}
	genericPatterns = []string{
		`<answer>[\s\S]*?</answer>`,
		`<final_answer>[\s\S]*?</final_answer>`,
		`(?:^|\s)Therefore,\s+the\s+answer\s+is\s+\S`,
	}
)

// MarkerSet detects that a response has committed to a verifier-scoreable
// answer. It is immutable and safe for concurrent use.
type MarkerSet struct {
	domain  string
	re      *regexp.Regexp
	needles [][]byte // literals one of which every match contains; nil = none known
}

// Literals every built-in pattern of a group contains: a window holding none
// of them cannot match, which spares the regular expression most checks.
var (
	mathNeedles    = []string{`\boxed`, "Final"}
	codeNeedles    = []string{"```"}
	genericNeedles = []string{"<answer>", "<final_answer>", "Therefore,"}
)

// Markers returns the marker set of a domain, as in the reference:
//
//   - "math": \boxed{…} (two nesting levels), \boxed[…], "## Final Answer",
//     "Final answer: x", plus the generic markers;
//   - "code": closed code fences, plus the generic markers;
//   - "generic": <answer>…</answer>, <final_answer>…</final_answer>,
//     "Therefore, the answer is x", plus the math markers.
func Markers(domain string) (*MarkerSet, error) {
	var pats, needles []string
	switch domain {
	case "math":
		pats = append(append(pats, mathPatterns...), genericPatterns...)
		needles = append(append(needles, mathNeedles...), genericNeedles...)
	case "code":
		pats = append(append(pats, codePatterns...), genericPatterns...)
		needles = append(append(needles, codeNeedles...), genericNeedles...)
	case "generic":
		pats = append(append(pats, genericPatterns...), mathPatterns...)
		needles = append(append(needles, genericNeedles...), mathNeedles...)
	default:
		return nil, fmt.Errorf("%w: marker domain %q (want math, code or generic)", ErrInvalid, domain)
	}
	for i, p := range pats {
		pats[i] = pyToRE2(p)
	}
	m, err := CustomMarkers(domain, pats...)
	if err != nil {
		return nil, err
	}
	for _, n := range needles {
		m.needles = append(m.needles, []byte(n))
	}
	return m, nil
}

// CustomMarkers compiles caller-supplied patterns (Go regexp syntax, matched
// in multi-line mode) into a MarkerSet.
func CustomMarkers(name string, patterns ...string) (*MarkerSet, error) {
	if len(patterns) == 0 {
		return nil, fmt.Errorf("%w: no marker patterns", ErrInvalid)
	}
	all := "(?m)"
	for i, p := range patterns {
		if len(p) > MaxPattern {
			return nil, fmt.Errorf("%w: marker pattern %d is %d bytes (limit MaxPattern = %d)", ErrInvalid, i, len(p), MaxPattern)
		}
		if _, err := regexp.Compile(p); err != nil {
			return nil, fmt.Errorf("%w: marker pattern %d: %v", ErrInvalid, i, err)
		}
		if i > 0 {
			all += "|"
		}
		all += "(?:" + p + ")"
	}
	re, err := regexp.Compile(all)
	if err != nil {
		return nil, fmt.Errorf("%w: marker patterns: %v", ErrInvalid, err)
	}
	return &MarkerSet{domain: name, re: re}, nil
}

// MaxPattern bounds the length in bytes of one CustomMarkers pattern.
const MaxPattern = 1 << 16

// pySpace is the set Python's re matches with \s in a str pattern (Unicode
// whitespace: str.isspace), checked against testdata/pyspace.txt, which
// testdata/pyspace.py generates.
const pySpace = `\t-\r \x1c-\x1f\x85\xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}`

// pyToRE2 translates the reference's Python patterns to Go syntax: [\s\S]
// (any character) becomes (?s:.), \s and \S become [pySpace] and
// [^pySpace], and \Z becomes \z. It handles the escapes the built-in
// patterns use, not Python syntax in general.
func pyToRE2(p string) string {
	p = strings.ReplaceAll(p, `[\s\S]`, `(?s:.)`)
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '\\' || i+1 == len(p) {
			b.WriteByte(p[i])
			continue
		}
		switch p[i+1] {
		case 's':
			b.WriteString("[" + pySpace + "]")
		case 'S':
			b.WriteString("[^" + pySpace + "]")
		case 'Z':
			b.WriteString(`\z`)
		default:
			b.WriteByte('\\')
			b.WriteByte(p[i+1])
		}
		i++
	}
	return b.String()
}

// Domain returns the set's name ("" for a zero MarkerSet).
func (m *MarkerSet) Domain() string {
	if m == nil {
		return ""
	}
	return m.domain
}

// Match reports whether text contains any marker. A zero MarkerSet matches
// nothing. O(len(text)) (RE2 guarantees linear time).
func (m *MarkerSet) Match(text []byte) bool {
	if m == nil || m.re == nil {
		return false
	}
	if m.needles != nil {
		found := false
		for _, n := range m.needles {
			if bytes.Contains(text, n) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return m.re.Match(text)
}
