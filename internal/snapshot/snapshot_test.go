package snapshot

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type cfg struct {
	Window int     `json:"window"`
	Tau    float64 `json:"tau"`
}

type st struct {
	Values []float64 `json:"values"`
	Step   int64     `json:"step"`
}

func TestRoundTrip(t *testing.T) {
	in := st{Values: []float64{0.1, 1.0 / 3, math.Nextafter(1, 2), 5e-324}, Step: 7}
	b, err := Marshal("test.Kind", 1, cfg{300, 0.1}, in)
	if err != nil {
		t.Fatal(err)
	}
	var out st
	if err := Unmarshal(b, "test.Kind", 1, cfg{300, 0.1}, &out); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Fatalf("round trip (-in +out):\n%s", diff)
	}
}

func TestRejects(t *testing.T) {
	b, _ := Marshal("test.Kind", 1, cfg{300, 0.1}, st{})
	var out st
	for name, c := range map[string]struct {
		data    []byte
		kind    string
		version int
		config  cfg
		want    error
	}{
		"kind":    {b, "other", 1, cfg{300, 0.1}, ErrMismatch},
		"version": {b, "test.Kind", 2, cfg{300, 0.1}, ErrMismatch},
		"config":  {b, "test.Kind", 1, cfg{299, 0.1}, ErrMismatch},
		"garbage": {[]byte("{"), "test.Kind", 1, cfg{300, 0.1}, ErrCorrupt},
		"empty":   {[]byte(`{"kind":"test.Kind","version":1}`), "test.Kind", 1, cfg{300, 0.1}, ErrCorrupt},
		"unknown": {[]byte(`{"kind":"test.Kind","version":1,"config":{"window":300,"tau":0.1},"state":{"x":1}}`), "test.Kind", 1, cfg{300, 0.1}, ErrCorrupt},
	} {
		if err := Unmarshal(c.data, c.kind, c.version, c.config, &out); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", name, err, c.want)
		}
	}
}

func FuzzUnmarshal(f *testing.F) {
	b, _ := Marshal("test.Kind", 1, cfg{300, 0.1}, st{Values: []float64{1}})
	f.Add(b)
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var out st
		_ = Unmarshal(data, "test.Kind", 1, cfg{300, 0.1}, &out)
	})
}
