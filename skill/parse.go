package skill

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Proposal is an optimizer model's answer: its reasoning and its edits.
type Proposal struct {
	Reasoning string `json:"reasoning,omitempty"`
	Edits     []Edit `json:"edits"`
	// Cost is what producing the proposal cost (the caller sets it; it is
	// counted against OptimizerConfig.MaxCost and never parsed from a reply).
	Cost float64 `json:"-"`
}

// ParseProposal parses an optimizer model's reply. It accepts the
// reference's format {"patch": {"reasoning": …, "edits": [...]}}, the
// unwrapped {"reasoning": …, "edits": [...]} and a bare edit list, each
// optionally inside a Markdown code fence (```json … ```) with text around
// it. Otherwise it is strict: unknown fields, unknown ops, trailing data and
// anything that is not an edit list are errors wrapping ErrInvalid.
func ParseProposal(reply []byte) (Proposal, error) {
	body := bytes.TrimSpace(unfence(reply))
	if len(body) == 0 {
		return Proposal{}, fmt.Errorf("%w: empty reply", ErrInvalid)
	}
	var p Proposal
	switch body[0] {
	case '[':
		if err := strictDecode(body, &p.Edits); err != nil {
			return Proposal{}, err
		}
	case '{':
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(body, &probe); err != nil {
			return Proposal{}, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		if patch, ok := probe["patch"]; ok {
			if len(probe) != 1 {
				return Proposal{}, fmt.Errorf("%w: unexpected fields beside \"patch\"", ErrInvalid)
			}
			body = patch
		}
		if err := strictDecode(body, &p); err != nil {
			return Proposal{}, err
		}
		if p.Edits == nil {
			return Proposal{}, fmt.Errorf("%w: no \"edits\" list", ErrInvalid)
		}
	default:
		return Proposal{}, fmt.Errorf("%w: reply is not a JSON object or list", ErrInvalid)
	}
	for i, e := range p.Edits {
		switch e.Op {
		case OpAppend, OpInsertAfter, OpInsertBefore, OpAppendSection, OpReplace, OpDelete:
		default:
			return Proposal{}, fmt.Errorf("%w: edits[%d]: %w %q", ErrInvalid, i, ErrUnknownOp, string(e.Op))
		}
	}
	return p, nil
}

func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: trailing data after the JSON value", ErrInvalid)
	}
	return nil
}

// unfence returns the content of the first ``` fence if there is one, else
// the input.
func unfence(b []byte) []byte {
	s := string(b)
	i := strings.Index(s, "```")
	if i < 0 {
		return b
	}
	rest := s[i+3:]
	if nl := strings.IndexByte(rest, '\n'); nl >= 0 && !strings.ContainsAny(rest[:nl], "{[") {
		rest = rest[nl+1:] // drop the info string (json)
	}
	if j := strings.Index(rest, "```"); j >= 0 {
		rest = rest[:j]
	}
	return []byte(rest)
}
