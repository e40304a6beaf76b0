// Package plotx holds the plotting conventions of budgetkit's examples, on
// top of gonum/plot: a colour-blind-safe palette, tick marks with readable
// labels (NiceTicks, LogTicks), a moving average drawn over its faint raw
// series, and Save, which draws the legend beside the data area so that it
// never covers data.
//
// Every picture an example writes has a title, axis labels with units and
// a legend; Save refuses a plot without a title or axis labels.
package plotx

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/color/palette"
	imgdraw "image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Palette is the Okabe–Ito colour-blind-safe palette (yellow, hard to see
// on white, left out), in the order series take them.
var Palette = []color.Color{
	color.NRGBA{0, 114, 178, 255},   // blue
	color.NRGBA{213, 94, 0, 255},    // vermillion
	color.NRGBA{0, 158, 115, 255},   // bluish green
	color.NRGBA{230, 159, 0, 255},   // orange
	color.NRGBA{204, 121, 167, 255}, // reddish purple
	color.NRGBA{86, 180, 233, 255},  // sky blue
	color.NRGBA{0, 0, 0, 255},       // black
}

// Gray is the colour of reference series (baselines, budgets).
var Gray = color.NRGBA{110, 110, 110, 255}

// Color returns the i-th palette colour, cycling.
func Color(i int) color.Color { return Palette[i%len(Palette)] }

// Faint returns c at the given opacity in [0, 1], for raw series drawn
// behind their smoothed version.
func Faint(c color.Color, opacity float64) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(255 * math.Max(0, math.Min(1, opacity)))}
}

// New returns a plot with a title, axis labels and NiceTicks on both axes.
func New(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.X.Tick.Marker = NiceTicks{}
	p.Y.Tick.Marker = NiceTicks{}
	p.Add(plotter.NewGrid())
	return p
}

// Line adds a line through xs, ys in colour c and, if name is not empty,
// a legend entry.
func Line(p *plot.Plot, name string, xs, ys []float64, c color.Color, width vg.Length) (*plotter.Line, error) {
	if len(xs) != len(ys) {
		return nil, fmt.Errorf("plotx: %d x values for %d y values", len(xs), len(ys))
	}
	pts := make(plotter.XYs, len(xs))
	for i := range xs {
		pts[i].X, pts[i].Y = xs[i], ys[i]
	}
	l, err := plotter.NewLine(pts)
	if err != nil {
		return nil, err
	}
	l.Color = c
	l.Width = width
	p.Add(l)
	if name != "" {
		p.Legend.Add(name, l)
	}
	return l, nil
}

// Smoothed adds ys as a faint raw line and its trailing moving average
// over window points as a solid line; the legend shows the solid line.
func Smoothed(p *plot.Plot, name string, xs, ys []float64, window int, c color.Color) error {
	if _, err := Line(p, "", xs, ys, Faint(c, 0.25), vg.Points(0.8)); err != nil {
		return err
	}
	_, err := Line(p, name, xs, MovingAverage(ys, window), c, vg.Points(2))
	return err
}

// HLine adds a dashed horizontal reference line at y across [x0, x1].
func HLine(p *plot.Plot, name string, y, x0, x1 float64, c color.Color) error {
	l, err := Line(p, name, []float64{x0, x1}, []float64{y, y}, c, vg.Points(1.5))
	if err == nil {
		l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	return err
}

// VLine adds a dashed vertical reference line at x across [y0, y1].
func VLine(p *plot.Plot, name string, x, y0, y1 float64, c color.Color) error {
	l, err := Line(p, name, []float64{x, x}, []float64{y0, y1}, c, vg.Points(2))
	if err == nil {
		l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	return err
}

// MovingAverage returns the trailing mean of ys over window points (fewer
// at the start). A window below 2 returns a copy of ys. Each mean is summed
// afresh (O(n·window)), so no rounding accumulates along the series.
func MovingAverage(ys []float64, window int) []float64 {
	window = max(window, 1)
	out := make([]float64, len(ys))
	for i := range ys {
		lo := max(0, i-window+1)
		var sum float64
		for _, y := range ys[lo : i+1] {
			sum += y
		}
		out[i] = sum / float64(i+1-lo)
	}
	return out
}

// Save writes p as a PNG of the given size to dir/name, creating dir, and
// returns the path. The legend (if any) is drawn in a column to the right
// of the plot, so it covers no data. It refuses a plot without a title or
// axis labels.
func Save(p *plot.Plot, w, h vg.Length, dir, name string) (string, error) {
	if p.Title.Text == "" || p.X.Label.Text == "" || p.Y.Label.Text == "" {
		return "", errors.New("plotx: a picture needs a title and both axis labels")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	img := vgimg.New(w, h)
	dc := draw.New(img)
	leg := p.Legend
	p.Legend = plot.NewLegend()
	defer func() { p.Legend = leg }()
	var legW vg.Length
	r := leg.Rectangle(dc)
	if r.Max.X > r.Min.X {
		legW = r.Max.X - r.Min.X + vg.Points(14)
	}
	if tw := p.Title.TextStyle.Rectangle(p.Title.Text).Max.X; tw > w-legW {
		return "", fmt.Errorf("plotx: title %q is wider than its plot (%.0f > %.0f points)", p.Title.Text, tw.Points(), (w - legW).Points())
	}
	p.Draw(draw.Crop(dc, 0, -legW, 0, 0))
	if legW > 0 {
		lc := draw.Crop(dc, w-legW+vg.Points(6), 0, 0, 0)
		// Align the legend's top with the data area's top, below the title.
		lc.Max.Y -= p.Title.TextStyle.Height(p.Title.Text) + p.Title.Padding + vg.Points(4)
		leg.Top, leg.Left = true, true
		leg.Draw(lc)
	}
	return path, writePNG(path, img)
}

// NiceTicks places about N labelled ticks (default 6) at multiples of 1,
// 2, 2.5 or 5 × 10ᵏ, with unlabelled minor ticks between them; labels
// carry the same number of decimals, just enough for the step, and group thousands ("10,000").
type NiceTicks struct {
	N      int
	Format func(float64) string // optional label format
}

// Ticks implements plot.Ticker.
func (t NiceTicks) Ticks(lo, hi float64) []plot.Tick {
	n := t.N
	if n <= 0 {
		n = 6
	}
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return []plot.Tick{{Value: lo, Label: Number(lo, 0)}}
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step, minor := 10*mag, 5
	for _, m := range []struct {
		f float64
		k int
	}{{1, 5}, {2, 4}, {2.5, 5}, {5, 5}} {
		if m.f*mag >= raw {
			step, minor = m.f*mag, m.k
			break
		}
	}
	e := int(math.Floor(math.Log10(step) + 1e-9))
	extra := 0
	if math.Abs(step/math.Pow(10, float64(e))-2.5) < 1e-9 {
		extra = 1 // 2.5 × 10ᵏ needs one more digit than 10ᵏ
	}
	decimals := max(0, extra-e)
	var ticks []plot.Tick
	ms := step / float64(minor)
	first := math.Ceil(lo/ms-1e-9) * ms
	for i := 0; ; i++ {
		v := first + float64(i)*ms
		if v > hi+ms*1e-9 {
			break
		}
		label := ""
		if q := v / step; math.Abs(q-math.Round(q)) < 1e-6 {
			v = math.Round(q) * step
			if math.Abs(v) < step*1e-9 {
				v = 0
			}
			if t.Format != nil {
				label = t.Format(v)
			} else {
				label = Number(v, decimals)
			}
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: label})
	}
	return ticks
}

// LogTicks labels 1, 2 and 5 × 10ᵏ on a log axis (only 1 × 10ᵏ when the
// range spans more than three decades), with minor ticks at the other
// integers × 10ᵏ.
type LogTicks struct{}

// Ticks implements plot.Ticker.
func (LogTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) {
		return NiceTicks{}.Ticks(lo, hi)
	}
	wide := math.Log10(hi/lo) > 3
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		base := math.Pow(10, e)
		for m := 1; m <= 9; m++ {
			v := float64(m) * base
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			label := ""
			if m == 1 || !wide && (m == 2 || m == 5) {
				label = Number(v, max(0, int(-e)))
			}
			ticks = append(ticks, plot.Tick{Value: v, Label: label})
		}
	}
	return ticks
}

// Number formats v with the given decimals and thousands separators.
func Number(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if len(intPart) > 4 {
		var b strings.Builder
		for i, c := range intPart {
			if i > 0 && (len(intPart)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(c)
		}
		intPart = b.String()
	}
	if hasFrac {
		intPart += "." + frac
	}
	if neg {
		return "−" + intPart
	}
	return intPart
}

// SaveStack writes plots stacked vertically, each h tall, as one PNG of
// width w, with the first plot's legend in a column to the right of all
// of them (the plots should share their series). It returns the path.
func SaveStack(plots []*plot.Plot, w, h vg.Length, dir, name string) (string, error) {
	if len(plots) == 0 {
		return "", errors.New("plotx: no plots")
	}
	for _, p := range plots {
		if p.Title.Text == "" || p.X.Label.Text == "" || p.Y.Label.Text == "" {
			return "", errors.New("plotx: a picture needs a title and both axis labels")
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	total := h * vg.Length(len(plots))
	img := vgimg.New(w, total)
	dc := draw.New(img)
	leg := plots[0].Legend
	var legW vg.Length
	if r := leg.Rectangle(dc); r.Max.X > r.Min.X {
		legW = r.Max.X - r.Min.X + vg.Points(14)
	}
	for i, p := range plots {
		if tw := p.Title.TextStyle.Rectangle(p.Title.Text).Max.X; tw > w-legW {
			return "", fmt.Errorf("plotx: title %q is wider than its plot (%.0f > %.0f points)", p.Title.Text, tw.Points(), (w - legW).Points())
		}
		saved := p.Legend
		p.Legend = plot.NewLegend()
		top := total - h*vg.Length(i)
		gap := vg.Length(0)
		if i > 0 {
			gap = vg.Points(12) // room between a panel's axis label and the next title
		}
		p.Draw(draw.Crop(dc, 0, -legW, top-h, top-total-gap))
		p.Legend = saved
	}
	if legW > 0 {
		lc := draw.Crop(dc, w-legW+vg.Points(6), 0, 0, 0)
		lc.Max.Y -= plots[0].Title.TextStyle.Height(plots[0].Title.Text) + plots[0].Title.Padding + vg.Points(4)
		leg.Top, leg.Left = true, true
		leg.Draw(lc)
	}
	path := filepath.Join(dir, name)
	return path, writePNG(path, img)
}

// writePNG encodes the canvas as a paletted PNG at the best compression:
// the pictures are committed beside the examples' READMEs, so size matters
// more than time. The palette holds the series colours, white, black and
// grey exactly and fills the rest from Plan 9's; Floyd–Steinberg dithering
// keeps the faint and antialiased shades. A picture is about a third of
// its full-colour size.
func writePNG(path string, img *vgimg.Canvas) error {
	src := img.Image()
	b := src.Bounds()
	dst := image.NewPaletted(b, pngPalette)
	imgdraw.FloydSteinberg.Draw(dst, b, src, b.Min)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(f, dst); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

var pngPalette = func() color.Palette {
	p := color.Palette{color.White, color.Black, Gray}
	p = append(p, Palette...)
	for _, c := range palette.Plan9 {
		if len(p) == 256 {
			break
		}
		p = append(p, c)
	}
	return p
}()
