package guidance

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// SafetensorsNames names the head's two tensors in a safetensors file. Zero
// fields mean the reference checkpoint's names, "alpha_head.weight" and
// "lam_head.weight" (PyTorch nn.Linear weights of shape [V, d]).
type SafetensorsNames struct {
	Alpha string
	Rate  string
}

func (n SafetensorsNames) withDefaults() SafetensorsNames {
	if n.Alpha == "" {
		n.Alpha = "alpha_head.weight"
	}
	if n.Rate == "" {
		n.Rate = "lam_head.weight"
	}
	return n
}

// Safetensors data types this package reads; WriteHeadSafetensors writes F32
// or F64.
const (
	SafetensorsF64  = "F64"
	SafetensorsF32  = "F32"
	SafetensorsF16  = "F16"
	SafetensorsBF16 = "BF16"
)

// stMaxHeader is the largest header accepted, as in the reference Rust
// implementation (100 MB).
const stMaxHeader = 100_000_000

type stEntry struct {
	name    string
	DType   string   `json:"dtype"`
	Shape   []int64  `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

func stDTypeSize(dt string) int64 {
	switch dt {
	case "F64", "I64", "U64":
		return 8
	case "F32", "I32", "U32":
		return 4
	case "F16", "BF16", "I16", "U16":
		return 2
	case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2":
		return 1
	}
	return 0
}

// stParseHeader parses and validates a header: every tensor's byte length
// matches dtype × shape, and the tensors tile [0, total) without holes or
// overlaps. It returns the entries sorted by offset and the data size.
func stParseHeader(hdr []byte) ([]stEntry, int64, error) {
	hdr = bytes.TrimRight(hdr, " ")
	if len(hdr) == 0 || hdr[0] != '{' {
		return nil, 0, fmt.Errorf("%w: header is not a JSON object", ErrSafetensors)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(hdr, &raw); err != nil {
		return nil, 0, fmt.Errorf("%w: header: %v", ErrSafetensors, err)
	}
	entries := make([]stEntry, 0, len(raw))
	for name, msg := range raw {
		if name == "__metadata__" {
			var md map[string]string
			if err := json.Unmarshal(msg, &md); err != nil {
				return nil, 0, fmt.Errorf("%w: __metadata__ must map strings to strings: %v", ErrSafetensors, err)
			}
			continue
		}
		var e stEntry
		dec := json.NewDecoder(bytes.NewReader(msg))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return nil, 0, fmt.Errorf("%w: tensor %q: %v", ErrSafetensors, name, err)
		}
		e.name = name
		size := stDTypeSize(e.DType)
		if size == 0 {
			return nil, 0, fmt.Errorf("%w: tensor %q: unknown dtype %q", ErrSafetensors, name, e.DType)
		}
		n := int64(1)
		for _, s := range e.Shape {
			if s < 0 {
				return nil, 0, fmt.Errorf("%w: tensor %q: negative dimension in shape %v", ErrSafetensors, name, e.Shape)
			}
			if s != 0 && n > math.MaxInt64/8/s {
				return nil, 0, fmt.Errorf("%w: tensor %q: shape %v overflows", ErrSafetensors, name, e.Shape)
			}
			n *= s
		}
		b, end := e.Offsets[0], e.Offsets[1]
		if b < 0 || end < b {
			return nil, 0, fmt.Errorf("%w: tensor %q: data_offsets %v invalid", ErrSafetensors, name, e.Offsets)
		}
		if end-b != n*size {
			return nil, 0, fmt.Errorf("%w: tensor %q: %d bytes at %v, but %s%v needs %d", ErrSafetensors, name, end-b, e.Offsets, e.DType, e.Shape, n*size)
		}
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b stEntry) int {
		if c := cmp.Compare(a.Offsets[0], b.Offsets[0]); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Offsets[1], b.Offsets[1]); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	var pos int64
	for _, e := range entries {
		if e.Offsets[0] != pos {
			return nil, 0, fmt.Errorf("%w: tensor %q starts at byte %d, want %d (holes and overlaps are not allowed)", ErrSafetensors, e.name, e.Offsets[0], pos)
		}
		pos = e.Offsets[1]
	}
	return entries, pos, nil
}

// stDecode converts raw little-endian values of dtype dt into dst.
func stDecode(dst []float32, src []byte, dt string) {
	switch dt {
	case SafetensorsF32:
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
		}
	case SafetensorsF64:
		for i := range dst {
			dst[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:])))
		}
	case SafetensorsBF16:
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(src[2*i:])) << 16)
		}
	case SafetensorsF16:
		for i := range dst {
			dst[i] = stHalfToFloat(binary.LittleEndian.Uint16(src[2*i:]))
		}
	}
}

// stHalfToFloat converts an IEEE 754 binary16 value to float32 exactly.
func stHalfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	man := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	case exp == 0:
		if man == 0 {
			return math.Float32frombits(sign)
		}
		// subnormal: man·2⁻²⁴
		f := float32(man) * (1.0 / (1 << 24))
		if sign != 0 {
			f = -f
		}
		return f
	default:
		return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
	}
}

// ReadHeadSafetensors reads a head from a safetensors stream: an 8-byte
// little-endian header length N (at most 100 MB), N bytes of JSON header
// {name: {dtype, shape, data_offsets}, "__metadata__": {...}}, then the data
// buffer. The two tensors named by names must have shape [V, d] and dtype
// F32, F64, F16 or BF16; other tensors are skipped. The header must be
// valid, the tensors must tile the buffer exactly, and the stream must end
// right after it: truncated or oversized input, bad offsets, unsupported
// dtypes and non-finite weights are errors wrapping ErrSafetensors. The
// stream is read incrementally, so memory use is the head's size.
func ReadHeadSafetensors(r io.Reader, names SafetensorsNames) (*Head, error) {
	names = names.withDefaults()
	br := bufio.NewReaderSize(r, 1<<16)
	var lenBuf [8]byte
	if _, err := io.ReadFull(br, lenBuf[:]); err != nil {
		return nil, fmt.Errorf("%w: reading header length: %v", ErrSafetensors, err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n == 0 || n > stMaxHeader {
		return nil, fmt.Errorf("%w: header length %d out of range [1, %d]", ErrSafetensors, n, stMaxHeader)
	}
	hdr := make([]byte, 0, min(n, 1<<20))
	hdr, err := stReadN(br, hdr, int64(n))
	if err != nil {
		return nil, fmt.Errorf("%w: header truncated: %v", ErrSafetensors, err)
	}
	entries, _, err := stParseHeader(hdr)
	if err != nil {
		return nil, err
	}
	var ea, el *stEntry
	for i := range entries {
		switch entries[i].name {
		case names.Alpha:
			ea = &entries[i]
		case names.Rate:
			el = &entries[i]
		}
	}
	if ea == nil || el == nil {
		return nil, fmt.Errorf("%w: tensors %q and %q required", ErrSafetensors, names.Alpha, names.Rate)
	}
	for _, e := range []*stEntry{ea, el} {
		switch e.DType {
		case SafetensorsF32, SafetensorsF64, SafetensorsF16, SafetensorsBF16:
		default:
			return nil, fmt.Errorf("%w: tensor %q has unsupported dtype %s (want F32, F64, F16 or BF16)", ErrSafetensors, e.name, e.DType)
		}
		if len(e.Shape) != 2 {
			return nil, fmt.Errorf("%w: tensor %q has shape %v, want [vocab, dim]", ErrSafetensors, e.name, e.Shape)
		}
	}
	if !slices.Equal(ea.Shape, el.Shape) {
		return nil, fmt.Errorf("%w: shapes %v and %v differ", ErrSafetensors, ea.Shape, el.Shape)
	}
	if ea.Shape[0] > MaxHeadElems || ea.Shape[1] > MaxHeadElems {
		return nil, fmt.Errorf("%w: shape %v too large", ErrSafetensors, ea.Shape)
	}
	vocab, dim := int(ea.Shape[0]), int(ea.Shape[1])
	if err := headCheckShape(vocab, dim); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSafetensors, err)
	}
	// The matrices grow as data arrives, so a header that lies about its
	// shapes cannot make a short file allocate gigabytes.
	nel := vocab * dim
	alpha := make([]float32, 0, min(nel, 1<<20))
	rate := make([]float32, 0, min(nel, 1<<20))
	chunk := make([]byte, 1<<16)
	var dec [1 << 14]float32
	for _, e := range entries {
		var dst *[]float32
		switch e.name {
		case names.Alpha:
			dst = &alpha
		case names.Rate:
			dst = &rate
		}
		size := e.Offsets[1] - e.Offsets[0]
		if dst == nil {
			if m, err := io.CopyN(io.Discard, br, size); err != nil {
				return nil, fmt.Errorf("%w: data truncated in tensor %q (%d of %d bytes): %v", ErrSafetensors, e.name, m, size, err)
			}
			continue
		}
		es := int(stDTypeSize(e.DType))
		per := min(len(chunk)/es, len(dec))
		for len(*dst) < nel {
			k := min(per, nel-len(*dst))
			if m, err := io.ReadFull(br, chunk[:k*es]); err != nil {
				return nil, fmt.Errorf("%w: data truncated in tensor %q (%d bytes short): %v", ErrSafetensors, e.name, int64(k*es-m), err)
			}
			stDecode(dec[:k], chunk[:k*es], e.DType)
			*dst = append(*dst, dec[:k]...)
		}
	}
	if _, err := br.ReadByte(); err != io.EOF {
		if err == nil {
			return nil, fmt.Errorf("%w: trailing bytes after the data buffer (oversized file)", ErrSafetensors)
		}
		return nil, fmt.Errorf("%w: %v", ErrSafetensors, err)
	}
	h, err := NewHeadFromWeights(vocab, dim, alpha, rate)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSafetensors, err)
	}
	return h, nil
}

// stReadN appends exactly n bytes from r to buf, growing it as data arrives
// so a lying length field cannot force a huge allocation up front.
func stReadN(r io.Reader, buf []byte, n int64) ([]byte, error) {
	var tmp [1 << 15]byte
	for n > 0 {
		k := min(n, int64(len(tmp)))
		m, err := io.ReadFull(r, tmp[:k])
		buf = append(buf, tmp[:m]...)
		if err != nil {
			return buf, err
		}
		n -= int64(m)
	}
	return buf, nil
}

// WriteHeadSafetensors writes h as a safetensors file holding its two
// matrices, shape [V, d], under the given names, in dtype F32 (exact) or F64.
// The header is padded with spaces to a multiple of 8 bytes.
func WriteHeadSafetensors(w io.Writer, h *Head, dtype string, names SafetensorsNames) error {
	if err := h.check(); err != nil {
		return err
	}
	names = names.withDefaults()
	if names.Alpha == names.Rate || names.Alpha == "__metadata__" || names.Rate == "__metadata__" {
		return fmt.Errorf("%w: tensor names %q, %q must differ and not be __metadata__", ErrInvalid, names.Alpha, names.Rate)
	}
	var es int64
	switch dtype {
	case SafetensorsF32:
		es = 4
	case SafetensorsF64:
		es = 8
	default:
		return fmt.Errorf("%w: write dtype %q (want F32 or F64)", ErrInvalid, dtype)
	}
	n := int64(h.vocab) * int64(h.dim) * es
	type ent struct {
		DType   string   `json:"dtype"`
		Shape   []int    `json:"shape"`
		Offsets [2]int64 `json:"data_offsets"`
	}
	hdr, err := json.Marshal(map[string]any{
		"__metadata__": map[string]string{"format": "pt"},
		names.Alpha:    ent{dtype, []int{h.vocab, h.dim}, [2]int64{0, n}},
		names.Rate:     ent{dtype, []int{h.vocab, h.dim}, [2]int64{n, 2 * n}},
	})
	if err != nil {
		return err
	}
	for len(hdr)%8 != 0 {
		hdr = append(hdr, ' ')
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(hdr)))
	bw.Write(lenBuf[:])
	bw.Write(hdr)
	var b [8]byte
	for _, m := range [][]float32{h.alpha, h.rate} {
		for _, x := range m {
			if es == 4 {
				binary.LittleEndian.PutUint32(b[:], math.Float32bits(x))
				bw.Write(b[:4])
			} else {
				binary.LittleEndian.PutUint64(b[:], math.Float64bits(float64(x)))
				bw.Write(b[:])
			}
		}
	}
	return bw.Flush()
}
