package guidance

import (
	"encoding/json"
	"fmt"
	"io"
)

// headJSON is the JSON form of a Head: row-major flattened matrices.
type headJSON struct {
	Vocab int       `json:"vocab"`
	Dim   int       `json:"dim"`
	Alpha []float32 `json:"alpha"`
	Rate  []float32 `json:"rate"`
}

// WriteHeadJSON writes h as JSON: {"vocab": V, "dim": d, "alpha": [...],
// "rate": [...]} with the V×d matrices flattened row-major. It suits small
// heads and tests; use safetensors for real vocabularies.
func WriteHeadJSON(w io.Writer, h *Head) error {
	if err := h.check(); err != nil {
		return err
	}
	return json.NewEncoder(w).Encode(headJSON{h.vocab, h.dim, h.alpha, h.rate})
}

// ReadHeadJSON reads a head written by WriteHeadJSON, validating the shape,
// the lengths and that every weight is finite (errors wrap ErrInvalid).
func ReadHeadJSON(r io.Reader) (*Head, error) {
	var hj headJSON
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&hj); err != nil {
		return nil, fmt.Errorf("%w: head JSON: %v", ErrInvalid, err)
	}
	return NewHeadFromWeights(hj.Vocab, hj.Dim, hj.Alpha, hj.Rate)
}
