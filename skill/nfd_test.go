package skill

import (
	"encoding/json"
	"os"
	"testing"
)

// TestNFDAgainstPython compares nfd with Python's unicodedata.normalize
// ("NFD", …) on the strings of testdata/nfd_cases.json (made by
// testdata/gen_nfd.py --cases): decompositions, Hangul and the canonical
// ordering of combining marks.
func TestNFDAgainstPython(t *testing.T) {
	data, err := os.ReadFile("testdata/nfd_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases [][2]string
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 200 {
		t.Fatalf("%d cases", len(cases))
	}
	for _, c := range cases {
		if got := nfd(c[0]); got != c[1] {
			t.Errorf("nfd(%q) = %q, want %q", c[0], got, c[1])
		}
	}
}
