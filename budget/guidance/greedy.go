package guidance

import (
	"fmt"
	"math"
	"slices"
)

// Greedy returns the token greedy decoding picks this step, exactly as if
// Apply had scored the whole vocabulary and the argmax (lowest id on ties)
// were taken, but scoring only as many candidates as needed: since w ≤ 1,
// candidates are scored in descending logit order and the search stops once
// the next logit is below the best logit + ln w found so far. It returns the
// token and how many candidates were scored. When the raw argmax keeps a
// weight this takes two passes over the logits; otherwise it walks a heap
// (O(V) to build, O(log V) per candidate). Off guided steps it returns the
// raw argmax (or the end-of-thinking token under the hard cap) and scores
// nothing. Logits are not modified.
func (g *Guide) Greedy(logits []float64, head *Head, features []float32) (token, scored int, err error) {
	if err := g.check(); err != nil {
		return 0, 0, err
	}
	if err := checkLogits(logits); err != nil {
		return 0, 0, err
	}
	if head == nil || head.Vocab() != len(logits) {
		return 0, 0, fmt.Errorf("%w: head vocab vs len(logits) = %d", ErrHeadMismatch, len(logits))
	}
	if err := head.checkFeatures(features); err != nil {
		return 0, 0, err
	}
	if g.st.Done {
		return argmax(logits), 0, nil
	}
	if g.Capped() {
		return g.endThinking, 0, nil
	}
	if !g.Due() {
		return argmax(logits), 0, nil
	}
	xb := RemainingToX(float64(g.Remaining()))
	// Fast path: score the raw argmax; if it keeps a weight, its guided
	// logit τ bounds every token with logit < τ out, and one pass over the
	// logits scores the rest (τ only rises as better tokens are found).
	top := argmax(logits)
	if math.IsInf(logits[top], -1) {
		return top, 0, nil
	}
	scored = 1
	if s := logits[top] + g.logWeight(head.predict(features, top), xb); !math.IsInf(s, -1) {
		best, bestScore := top, s
		for v, z := range logits {
			if v == top || z < bestScore {
				continue
			}
			scored++
			sv := z + g.logWeight(head.predict(features, v), xb)
			if sv > bestScore || (sv == bestScore && v < best) {
				best, bestScore = v, sv
			}
		}
		return best, scored, nil
	}
	// The argmax is masked: walk the candidates in descending logit order.
	scored = 0
	h := g.buildHeap(logits)
	best, bestScore := -1, math.Inf(-1)
	first := -1
	for len(h) > 0 {
		v := int(h[0])
		h = heapPop(h, logits)
		z := logits[v]
		if first < 0 {
			first = v
		}
		if math.IsInf(z, -1) || (best >= 0 && z < bestScore) {
			break
		}
		scored++
		s := z + g.logWeight(head.predict(features, v), xb)
		if math.IsInf(s, -1) {
			continue
		}
		if best < 0 || s > bestScore || (s == bestScore && v < best) {
			best, bestScore = v, s
		}
	}
	if best < 0 {
		return first, scored, nil
	}
	return best, scored, nil
}

// logitLess orders token ids by descending logit, then ascending id.
func logitLess(logits []float64, a, b int32) bool {
	za, zb := logits[a], logits[b]
	if za != zb {
		return za > zb
	}
	return a < b
}

func (g *Guide) buildHeap(logits []float64) []int32 {
	n := len(logits)
	g.heap = slices.Grow(g.heap[:0], n)[:n]
	for i := range g.heap {
		g.heap[i] = int32(i)
	}
	for i := n/2 - 1; i >= 0; i-- {
		siftDown(g.heap, i, logits)
	}
	return g.heap
}

func siftDown(h []int32, i int, logits []float64) {
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && logitLess(logits, h[r], h[l]) {
			c = r
		}
		if !logitLess(logits, h[c], h[i]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

func heapPop(h []int32, logits []float64) []int32 {
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	if n > 0 {
		siftDown(h, 0, logits)
	}
	return h
}
