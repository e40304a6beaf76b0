package stoprule

import (
	"bufio"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

//go:generate sh -c "python3 testdata/pyspace.py > testdata/pyspace.txt"

// TestPythonWhitespace checks pySpace against the code points Python's re
// matches with \s, listed by testdata/pyspace.py.
func TestPythonWhitespace(t *testing.T) {
	f, err := os.Open("testdata/pyspace.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[rune]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		c, err := strconv.ParseUint(line, 16, 32)
		if err != nil {
			t.Fatal(err)
		}
		want[rune(c)] = true
	}
	if len(want) < 25 {
		t.Fatalf("only %d code points read", len(want))
	}
	space := regexp.MustCompile(`^[` + pySpace + `]$`)
	notSpace := regexp.MustCompile(`^[^` + pySpace + `]$`)
	var buf [4]byte
	for c := rune(0); c <= utf8.MaxRune; c++ {
		if c >= 0xD800 && c <= 0xDFFF {
			continue
		}
		s := buf[:utf8.EncodeRune(buf[:], c)]
		if got := space.Match(s); got != want[c] {
			t.Fatalf("U+%04X: \\s matches %v, Python says %v", c, got, want[c])
		}
		if notSpace.Match(s) == want[c] {
			t.Fatalf("U+%04X: \\S disagrees", c)
		}
	}
}

// TestMarkersPythonSyntax checks the translation on the reference's
// whitespace quirks: vertical tab and Unicode spaces count as \s.
func TestMarkersPythonSyntax(t *testing.T) {
	m, _ := Markers("math")
	g, _ := Markers("generic")
	c, _ := Markers("code")
	for _, tc := range []struct {
		set  *MarkerSet
		text string
		want bool
	}{
		{m, "Final\vanswer: 3", true},
		{m, "Final\u00a0answer:\u3000x", true},
		{m, "##\u2003Final\u2028Answer", true},
		{g, "x\u2029Therefore, the answer is 4", true},
		{c, "```go\nx```\v", true},
		{c, "```\v", true}, // \s*\Z
		{m, "Final answer:\v", false},
	} {
		if got := tc.set.Match([]byte(tc.text)); got != tc.want {
			t.Errorf("%s.Match(%q) = %v, want %v", tc.set.Domain(), tc.text, got, tc.want)
		}
	}
	if got := pyToRE2(`a\sb\S[\s\S]\Z\\s`); got != `a[`+pySpace+`]b[^`+pySpace+`](?s:.)\z\\s` {
		t.Fatalf("pyToRE2: %q", got)
	}
	var zero MarkerSet
	if zero.Match([]byte(`\boxed{1}`)) || zero.Domain() != "" {
		t.Fatal("zero MarkerSet matched")
	}
}
