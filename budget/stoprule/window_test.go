package stoprule

import (
	"encoding/json"
	"os"
	"testing"
)

//go:generate sh -c "python3 testdata/window_ref.py > testdata/window_ref.json"

// TestWindowAgainstReference replays 120 rollouts through a Rule's window and
// marker search and compares every 8-token check with the reference
// detector's decision (testdata/window_ref.py: the last 256 tokens, Python's
// re with Unicode \s), so both the token-counted window and the pattern
// translation are checked.
func TestWindowAgainstReference(t *testing.T) {
	data, err := os.ReadFile("testdata/window_ref.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Domain string
		Tokens []string
		Checks []bool
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	checks, leaves := 0, 0
	for k, c := range cases {
		cfg, err := Config{MaxLength: 1 << 20, Domain: c.Domain}.normalise()
		if err != nil {
			t.Fatal(err)
		}
		m, err := Markers(c.Domain)
		if err != nil {
			t.Fatal(err)
		}
		r := &Rule{cfg: &cfg, markers: m}
		for n, tok := range c.Tokens {
			r.push(tok)
			if (n+1)%8 != 0 {
				continue
			}
			want := c.Checks[(n+1)/8-1]
			if got := r.detect(); got != want {
				t.Fatalf("case %d (%s), token %d: detect = %v, reference %v; window %q", k, c.Domain, n+1, got, want, r.buf[r.start:])
			}
			if checks > 0 && !want && (n+1)/8 >= 2 && c.Checks[(n+1)/8-2] {
				leaves++
			}
			checks++
		}
	}
	if checks < 4000 || leaves < 20 {
		t.Fatalf("%d checks, %d markers leaving the window: too few", checks, leaves)
	}
}
