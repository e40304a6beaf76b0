package router

// window is the rolling-window ledger of a Pacer: the amounts charged to
// requests routed in the last Window, in routing order, kept in a ring that
// grows by doubling (so a steady stream appends without allocating). Each
// entry has a sequence number so that a settlement can correct its amount.
type window struct {
	Ring []windowEntry `json:"ring"`
	Head int           `json:"head"`
	Len  int           `json:"len"`
	Seq  uint64        `json:"seq"` // sequence number of Ring[Head]
	Sum  int64         `json:"sum"` // units charged to the entries
}

type windowEntry struct {
	At     int64 `json:"at"`
	Amount int64 `json:"amount"`
}

// push appends an entry routed at t and returns its sequence number (≥ 1).
func (w *window) push(t, amount int64) uint64 {
	if w.Len == len(w.Ring) {
		grown := make([]windowEntry, max(16, 2*len(w.Ring)))
		for k := 0; k < w.Len; k++ {
			grown[k] = w.Ring[(w.Head+k)%len(w.Ring)]
		}
		w.Ring, w.Head = grown, 0
	}
	if w.Len == 0 && w.Seq == 0 {
		w.Seq = 1
	}
	w.Ring[(w.Head+w.Len)%len(w.Ring)] = windowEntry{At: t, Amount: amount}
	w.Len++
	w.Sum += amount
	return w.Seq + uint64(w.Len) - 1
}

// evict drops the entries routed at or before t − length.
func (w *window) evict(t, length int64) {
	for w.Len > 0 {
		e := &w.Ring[w.Head]
		if e.At > t-length {
			break
		}
		w.Sum -= e.Amount
		w.Head = (w.Head + 1) % len(w.Ring)
		w.Len--
		w.Seq++
	}
}

// set changes the amount of entry seq, if it is still in the window.
func (w *window) set(seq uint64, amount int64) {
	if seq == 0 || seq < w.Seq || seq >= w.Seq+uint64(w.Len) {
		return
	}
	e := &w.Ring[(w.Head+int(seq-w.Seq))%len(w.Ring)]
	w.Sum += amount - e.Amount
	e.Amount = amount
}

// check verifies a decoded window's invariants.
func (w *window) check() bool {
	if w.Len < 0 || w.Len > len(w.Ring) || w.Head < 0 || (len(w.Ring) > 0 && w.Head >= len(w.Ring)) || (len(w.Ring) == 0 && w.Head != 0) {
		return false
	}
	var sum int64
	for k := 0; k < w.Len; k++ {
		a := w.Ring[(w.Head+k)%len(w.Ring)].Amount
		if a < 0 || a > maxUnits || sum > maxUnits-a {
			return false
		}
		sum += a
	}
	return sum == w.Sum
}
