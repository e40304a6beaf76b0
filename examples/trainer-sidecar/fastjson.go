package main

// fastjson.go decodes the one large request, POST /v1/observe (512 prompts ×
// 16 rewards is about 50 kB of numbers), without encoding/json's reflection:
// that decoder alone cost 1.2 ms of the handler's 1.8 ms. It is hand-written
// because it is hot and its subset of JSON is simple. It accepts only the
// plain form clients send — known keys spelled exactly, each at most once,
// strings without escapes, no nulls — and answers "not handled" for anything
// else, which then goes to encoding/json (decode). On every input it does
// handle, it produces exactly what encoding/json would (FuzzFastObserve).

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// fastObserve decodes b into r and reports whether it could; on false, r is
// unspecified and the caller falls back to encoding/json.
func fastObserve(b []byte, r *observeRequest) bool {
	// Every array element is followed by ',' or ']', so this bounds the
	// numbers of all arrays together; '{' bounds the prompts. Both counts
	// are vectorised scans, far cheaper than regrowing.
	p := parser{b: b, arena: make([]float64, 0, bytes.Count(b, []byte{','})+bytes.Count(b, []byte{']'}))}
	nPrompts := max(0, bytes.Count(b, []byte{'{'})-1)
	var seen [4]bool
	ok := p.object(func(key []byte) bool {
		switch string(key) {
		case "session":
			if seen[0] {
				return false
			}
			seen[0] = true
			s, ok := p.str()
			r.Session = s
			return ok
		case "step":
			if seen[1] {
				return false
			}
			seen[1] = true
			v, ok := p.integer()
			r.Step = v
			return ok
		case "shard":
			if seen[2] {
				return false
			}
			seen[2] = true
			v, ok := p.integer()
			r.Shard = v
			return ok
		case "prompts":
			if seen[3] {
				return false
			}
			seen[3] = true
			r.Prompts = make([]promptObservation, 0, nPrompts)
			return p.array(func() bool {
				var po promptObservation
				if !p.prompt(&po) {
					return false
				}
				r.Prompts = append(r.Prompts, po)
				return true
			})
		}
		return false
	})
	p.ws()
	return ok && p.i == len(p.b)
}

// parser is a cursor over a JSON text. To keep allocations per request
// few, the numbers of all arrays share one growing arena (each array gets a
// capacity-limited slice of it) and repeated sources share one string.
type parser struct {
	b       []byte
	i       int
	arena   []float64
	sources map[string]string
}

func (p *parser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// eat skips whitespace and consumes c if it comes next.
func (p *parser) eat(c byte) bool {
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// object parses {"key": value, ...}, calling member after each key and colon
// to parse the value.
func (p *parser) object(member func(key []byte) bool) bool {
	if !p.eat('{') {
		return false
	}
	if p.eat('}') {
		return true
	}
	for {
		p.ws()
		key, ok := p.rawString()
		if !ok || !p.eat(':') {
			return false
		}
		p.ws()
		if !member(key) {
			return false
		}
		if p.eat(',') {
			continue
		}
		return p.eat('}')
	}
}

// array parses [elem, ...], calling elem for each element.
func (p *parser) array(elem func() bool) bool {
	if !p.eat('[') {
		return false
	}
	if p.eat(']') {
		return true
	}
	for {
		p.ws()
		if !elem() {
			return false
		}
		if p.eat(',') {
			continue
		}
		return p.eat(']')
	}
}

// rawString returns the bytes of a string without escapes or control
// characters, in valid UTF-8.
func (p *parser) rawString() ([]byte, bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return nil, false
	}
	start := p.i + 1
	for j := start; j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c == '"':
			p.i = j + 1
			s := p.b[start:j]
			return s, utf8.Valid(s)
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

func (p *parser) str() (string, bool) {
	s, ok := p.rawString()
	return string(s), ok
}

// number returns the text of a JSON number at the cursor; integer reports
// whether it has neither fraction nor exponent.
func (p *parser) number() (text []byte, integer, ok bool) {
	b, j := p.b, p.i
	if j < len(b) && b[j] == '-' {
		j++
	}
	digits := func() int {
		k := j
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		return j - k
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case digits() == 0:
		return nil, false, false
	}
	integer = true
	if j < len(b) && b[j] == '.' {
		j++
		integer = false
		if digits() == 0 {
			return nil, false, false
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		integer = false
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if digits() == 0 {
			return nil, false, false
		}
	}
	text, p.i = b[p.i:j], j
	return text, integer, true
}

func (p *parser) float() (float64, bool) {
	t, _, ok := p.number()
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(t), 64)
	return v, err == nil
}

func (p *parser) integer() (int, bool) {
	t, isInt, ok := p.number()
	if !ok || !isInt {
		return 0, false
	}
	v, err := strconv.Atoi(string(t))
	return v, err == nil
}

func (p *parser) floats() ([]float64, bool) {
	if len(p.arena) == cap(p.arena) {
		p.arena = make([]float64, 0, max(64, 2*cap(p.arena)))
	}
	start := len(p.arena)
	ok := p.array(func() bool {
		v, ok := p.float()
		if len(p.arena) == cap(p.arena) { // move this array to a larger arena
			grown := make([]float64, 0, max(64, 2*cap(p.arena)))
			p.arena = append(grown, p.arena[start:]...)
			start = 0
		}
		p.arena = append(p.arena, v)
		return ok
	})
	n := len(p.arena)
	return p.arena[start:n:n], ok
}

// source returns a source name, one string per distinct name.
func (p *parser) source() (string, bool) {
	raw, ok := p.rawString()
	if !ok {
		return "", false
	}
	if s, hit := p.sources[string(raw)]; hit { // no allocation for the lookup
		return s, true
	}
	if p.sources == nil {
		p.sources = map[string]string{}
	}
	s := string(raw)
	p.sources[s] = s
	return s, true
}

// prompt parses one element of "prompts".
func (p *parser) prompt(po *promptObservation) bool {
	var seen [4]bool
	return p.object(func(key []byte) bool {
		var ok bool
		switch string(key) {
		case "id":
			if seen[0] {
				return false
			}
			seen[0] = true
			po.ID, ok = p.str()
		case "source":
			if seen[1] {
				return false
			}
			seen[1] = true
			po.Source, ok = p.source()
		case "rewards":
			if seen[2] {
				return false
			}
			seen[2] = true
			po.Rewards, ok = p.floats()
		case "lengths":
			if seen[3] {
				return false
			}
			seen[3] = true
			po.Lengths, ok = p.floats()
		}
		return ok
	})
}
