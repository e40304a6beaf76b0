package guidance

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func stBuild(t testing.TB, hdr map[string]any, data []byte) []byte {
	t.Helper()
	h, err := json.Marshal(hdr)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	binary.Write(&buf, binary.LittleEndian, uint64(len(h)))
	buf.Write(h)
	buf.Write(data)
	return buf.Bytes()
}

func stEnt(dt string, shape []int, b, e int) map[string]any {
	return map[string]any{"dtype": dt, "shape": shape, "data_offsets": []int{b, e}}
}

func TestSafetensorsRoundTrip(t *testing.T) {
	t.Parallel()
	alpha := []float32{1, -2.5, 3.25, 0, 1e-8, 7}
	rate := []float32{0.5, 4, -1, 2, 3, 1e5}
	h, err := NewHeadFromWeights(3, 2, alpha, rate)
	if err != nil {
		t.Fatal(err)
	}
	for _, dt := range []string{SafetensorsF32, SafetensorsF64} {
		var buf bytes.Buffer
		names := SafetensorsNames{Alpha: "a", Rate: "r"}
		if err := WriteHeadSafetensors(&buf, h, dt, names); err != nil {
			t.Fatal(err)
		}
		if n := binary.LittleEndian.Uint64(buf.Bytes()); n%8 != 0 {
			t.Errorf("%s: header length %d not 8-aligned", dt, n)
		}
		got, err := ReadHeadSafetensors(bytes.NewReader(buf.Bytes()), names)
		if err != nil {
			t.Fatalf("%s: %v", dt, err)
		}
		ga, gr := got.Weights()
		if diff := cmp.Diff(alpha, ga); diff != "" {
			t.Errorf("%s alpha:\n%s", dt, diff)
		}
		if diff := cmp.Diff(rate, gr); diff != "" {
			t.Errorf("%s rate:\n%s", dt, diff)
		}
		if _, err := ReadHeadSafetensors(bytes.NewReader(buf.Bytes()), SafetensorsNames{}); !errors.Is(err, ErrSafetensors) {
			t.Errorf("missing default names: %v", err)
		}
	}
	var js bytes.Buffer
	if err := WriteHeadJSON(&js, h); err != nil {
		t.Fatal(err)
	}
	got, err := ReadHeadJSON(&js)
	if err != nil {
		t.Fatal(err)
	}
	ga, _ := got.Weights()
	if diff := cmp.Diff(alpha, ga); diff != "" {
		t.Errorf("JSON alpha:\n%s", diff)
	}
	if _, err := ReadHeadJSON(bytes.NewReader([]byte(`{"vocab":1,"dim":2,"alpha":[1],"rate":[1,2]}`))); !errors.Is(err, ErrInvalid) {
		t.Errorf("short JSON alpha: %v", err)
	}
}

// TestSafetensorsHalfPrecision decodes hand-encoded IEEE binary16 and
// bfloat16 bit patterns with known values, plus an ignored extra tensor.
func TestSafetensorsHalfPrecision(t *testing.T) {
	t.Parallel()
	f16 := []uint16{0x3C00, 0xC000, 0x7BFF, 0x0001, 0x3555, 0x8000}
	want16 := []float32{1, -2, 65504, 5.960464477539063e-08, 0.333251953125, 0}
	bf16 := []uint16{0x3F80, 0x4049, 0xC2F7, 0x0000, 0x3E80, 0x4480}
	wantBF := []float32{1, 3.140625, -123.5, 0, 0.25, 1024}
	var data bytes.Buffer
	binary.Write(&data, binary.LittleEndian, []uint8{9, 9, 9, 9}) // an unrelated U8 tensor first
	binary.Write(&data, binary.LittleEndian, f16)
	binary.Write(&data, binary.LittleEndian, bf16)
	file := stBuild(t, map[string]any{
		"__metadata__":      map[string]string{"format": "pt"},
		"other":             stEnt("U8", []int{4}, 0, 4),
		"alpha_head.weight": stEnt("F16", []int{2, 3}, 4, 16),
		"lam_head.weight":   stEnt("BF16", []int{2, 3}, 16, 28),
	}, data.Bytes())
	h, err := ReadHeadSafetensors(bytes.NewReader(file), SafetensorsNames{})
	if err != nil {
		t.Fatal(err)
	}
	a, r := h.Weights()
	if diff := cmp.Diff(want16, a); diff != "" {
		t.Errorf("F16:\n%s", diff)
	}
	if diff := cmp.Diff(wantBF, r); diff != "" {
		t.Errorf("BF16:\n%s", diff)
	}
}

func TestSafetensorsRejectsCorruptFiles(t *testing.T) {
	t.Parallel()
	data := make([]byte, 16)
	ok := map[string]any{"alpha_head.weight": stEnt("F32", []int{1, 2}, 0, 8), "lam_head.weight": stEnt("F32", []int{1, 2}, 8, 16)}
	good := stBuild(t, ok, data)
	if _, err := ReadHeadSafetensors(bytes.NewReader(good), SafetensorsNames{}); err != nil {
		t.Fatalf("good file rejected: %v", err)
	}
	nan := make([]byte, 16)
	binary.LittleEndian.PutUint32(nan[4:], math.Float32bits(float32(math.NaN())))
	cases := map[string][]byte{
		"empty":             nil,
		"short length":      good[:5],
		"truncated header":  good[:20],
		"truncated data":    good[:len(good)-1],
		"oversized":         append(append([]byte{}, good...), 0),
		"huge header len":   append([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, good[8:]...),
		"not json":          stBuildRaw([]byte("[1,2]"), data),
		"unsupported dtype": stBuild(t, map[string]any{"alpha_head.weight": stEnt("I32", []int{1, 2}, 0, 8), "lam_head.weight": stEnt("F32", []int{1, 2}, 8, 16)}, data),
		"unknown dtype":     stBuild(t, map[string]any{"alpha_head.weight": stEnt("Q4", []int{1, 2}, 0, 8), "lam_head.weight": stEnt("F32", []int{1, 2}, 8, 16)}, data),
		"size mismatch":     stBuild(t, map[string]any{"alpha_head.weight": stEnt("F32", []int{1, 3}, 0, 8), "lam_head.weight": stEnt("F32", []int{1, 2}, 8, 16)}, data),
		"overlap":           stBuild(t, map[string]any{"alpha_head.weight": stEnt("F32", []int{1, 2}, 0, 8), "lam_head.weight": stEnt("F32", []int{1, 2}, 4, 12)}, data),
		"hole":              stBuild(t, map[string]any{"alpha_head.weight": stEnt("F32", []int{1, 1}, 0, 4), "lam_head.weight": stEnt("F32", []int{1, 1}, 8, 12)}, data),
		"shape mismatch":    stBuild(t, map[string]any{"alpha_head.weight": stEnt("F32", []int{2, 1}, 0, 8), "lam_head.weight": stEnt("F32", []int{1, 2}, 8, 16)}, data),
		"rank 1":            stBuild(t, map[string]any{"alpha_head.weight": stEnt("F32", []int{2}, 0, 8), "lam_head.weight": stEnt("F32", []int{2}, 8, 16)}, data),
		"negative dim":      stBuild(t, map[string]any{"alpha_head.weight": stEnt("F32", []int{-1, -2}, 0, 8), "lam_head.weight": stEnt("F32", []int{1, 2}, 8, 16)}, data),
		"missing tensor":    stBuild(t, map[string]any{"alpha_head.weight": stEnt("F32", []int{1, 2}, 0, 8), "x": stEnt("F32", []int{1, 2}, 8, 16)}, data),
		"unknown field":     stBuild(t, map[string]any{"alpha_head.weight": map[string]any{"dtype": "F32", "shape": []int{1, 2}, "data_offsets": []int{0, 8}, "x": 1}, "lam_head.weight": stEnt("F32", []int{1, 2}, 8, 16)}, data),
		"bad metadata":      stBuild(t, map[string]any{"__metadata__": map[string]int{"a": 1}, "alpha_head.weight": stEnt("F32", []int{1, 2}, 0, 8), "lam_head.weight": stEnt("F32", []int{1, 2}, 8, 16)}, data),
		"NaN weight":        stBuild(t, ok, nan),
	}
	for name, file := range cases {
		if _, err := ReadHeadSafetensors(bytes.NewReader(file), SafetensorsNames{}); !errors.Is(err, ErrSafetensors) {
			t.Errorf("%s: err = %v, want ErrSafetensors", name, err)
		}
	}
	h, _ := NewHead(1, 1)
	if err := WriteHeadSafetensors(&bytes.Buffer{}, h, SafetensorsBF16, SafetensorsNames{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("writing BF16: %v", err)
	}
}

func stBuildRaw(hdr, data []byte) []byte {
	var buf bytes.Buffer
	binary.Write(&buf, binary.LittleEndian, uint64(len(hdr)))
	buf.Write(hdr)
	buf.Write(data)
	return buf.Bytes()
}

func FuzzSafetensors(f *testing.F) {
	h, _ := NewHeadFromWeights(2, 2, []float32{1, 2, 3, 4}, []float32{5, 6, 7, 8})
	var buf bytes.Buffer
	WriteHeadSafetensors(&buf, h, SafetensorsF32, SafetensorsNames{})
	f.Add(buf.Bytes())
	buf.Reset()
	WriteHeadSafetensors(&buf, h, SafetensorsF64, SafetensorsNames{})
	f.Add(buf.Bytes())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ReadHeadSafetensors(bytes.NewReader(data), SafetensorsNames{})
		if err != nil {
			if !errors.Is(err, ErrSafetensors) {
				t.Fatalf("error does not wrap ErrSafetensors: %v", err)
			}
			return
		}
		var out bytes.Buffer
		if err := WriteHeadSafetensors(&out, h, SafetensorsF32, SafetensorsNames{}); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadHeadSafetensors(&out, SafetensorsNames{}); err != nil {
			t.Fatalf("re-read of a written head failed: %v", err)
		}
	})
}

func FuzzHeadJSON(f *testing.F) {
	f.Add([]byte(`{"vocab":1,"dim":2,"alpha":[1,2],"rate":[3,4]}`))
	f.Add([]byte(`{"vocab":0}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := ReadHeadJSON(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		if _, err := h.Predict(make([]float32, h.Dim()), 0); err != nil {
			t.Fatal(err)
		}
	})
}
