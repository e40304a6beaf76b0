package plotx

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

func labels(ts []plot.Tick) []string {
	var out []string
	for _, t := range ts {
		if t.Label != "" {
			out = append(out, t.Label)
		}
	}
	return out
}

func TestNiceTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		want   []string
	}{
		{0, 1, []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
		{0, 10000, []string{"0", "2000", "4000", "6000", "8000", "10,000"}},
		{30, 150, []string{"40", "60", "80", "100", "120", "140"}},
		{0, 24, []string{"0", "5", "10", "15", "20"}},
		{0, 150, []string{"0", "25", "50", "75", "100", "125", "150"}},
		{0, 0.6, []string{"0.0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6"}},
		{-1, 1, []string{"−1.0", "−0.5", "0.0", "0.5", "1.0"}},
		{0, 3e-4, []string{"0.00000", "0.00005", "0.00010", "0.00015", "0.00020", "0.00025", "0.00030"}},
	} {
		got := labels(NiceTicks{}.Ticks(c.lo, c.hi))
		if !slices.Equal(got, c.want) {
			t.Errorf("[%v, %v]: %q, want %q", c.lo, c.hi, got, c.want)
		}
	}
	if got := labels(LogTicks{}.Ticks(2000, 100000)); !slices.Equal(got, []string{"2000", "5000", "10,000", "20,000", "50,000", "100,000"}) {
		t.Errorf("log ticks %q", got)
	}
}

func TestMovingAverage(t *testing.T) {
	got := MovingAverage([]float64{1, 2, 3, 4, 5}, 2)
	if want := []float64{1, 1.5, 2.5, 3.5, 4.5}; !slices.Equal(got, want) {
		t.Errorf("window 2: %v, want %v", got, want)
	}
	if got := MovingAverage([]float64{1, 3}, 1); !slices.Equal(got, []float64{1, 3}) {
		t.Errorf("window 1: %v", got)
	}
}

func TestSave(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	p := New("title", "x (steps)", "y (%)")
	if err := Smoothed(p, "series", []float64{0, 1, 2}, []float64{1, 2, 3}, 2, Color(0)); err != nil {
		t.Fatal(err)
	}
	path, err := Save(p, 4*vg.Inch, 3*vg.Inch, dir, "a.png")
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		t.Fatalf("%s: %v", path, err)
	}
	long := New(strings.Repeat("a very long title ", 20), "x", "y")
	if _, err := Save(long, 4*vg.Inch, 3*vg.Inch, dir, "c.png"); err == nil {
		t.Error("a title wider than the picture was accepted")
	}
	if _, err := Save(plot.New(), vg.Inch, vg.Inch, dir, "b.png"); err == nil {
		t.Error("a plot without title or labels was saved")
	}
}
