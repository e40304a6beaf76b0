package skill

import "strings"

// match is where a target occurs in a text: the byte offset of its first
// occurrence (-1 if none) and the number of occurrences, overlapping ones
// included.
type match struct {
	first, count int
}

// matchAll finds every target in text. Resolving 100 anchors against a
// 100 KB document with strings.Index costs one or two full scans per
// anchor (a unique anchor is only known unique at the end of the text);
// matchAll instead scans the text once with a Rabin–Karp rolling hash over
// a window as long as the shortest target (capped), filters positions with
// a bitmap and verifies candidates byte for byte. Targets shorter than
// minWindow fall back to strings.Index. Empty targets get {-1, 0}.
func matchAll(text string, targets []string) []match {
	const minWindow, maxWindow = 4, 32
	out := make([]match, len(targets))
	w := maxWindow
	long := 0
	for i, t := range targets {
		out[i] = match{first: -1}
		switch {
		case t == "":
		case len(t) < minWindow:
			out[i] = indexMatch(text, t)
		default:
			w = min(w, len(t))
			long++
		}
	}
	if long == 0 || len(text) < w {
		return out
	}
	if long <= 2 { // a scan or two is cheaper than building the table
		for i, t := range targets {
			if len(t) >= minWindow {
				out[i] = indexMatch(text, t)
			}
		}
		return out
	}

	const prime = 16777619
	var pow uint32 = 1 // prime^(w-1)
	for range w - 1 {
		pow *= prime
	}
	hash := func(s string) uint32 {
		var h uint32
		for i := 0; i < len(s); i++ {
			h = h*prime + uint32(s[i])
		}
		return h
	}
	const bits = 1 << 16
	var filter [bits / 64]uint64
	byHash := make(map[uint32][]int, long)
	for i, t := range targets {
		if len(t) < minWindow {
			continue
		}
		h := hash(t[:w])
		filter[(h%bits)/64] |= 1 << (h % 64)
		byHash[h] = append(byHash[h], i)
	}
	h := hash(text[:w])
	for pos := 0; ; pos++ {
		if filter[(h%bits)/64]&(1<<(h%64)) != 0 {
			for _, i := range byHash[h] {
				t := targets[i]
				if len(text)-pos >= len(t) && text[pos:pos+len(t)] == t {
					if out[i].count == 0 {
						out[i].first = pos
					}
					out[i].count++
				}
			}
		}
		if pos+w >= len(text) {
			break
		}
		h = (h-uint32(text[pos])*pow)*prime + uint32(text[pos+w])
	}
	return out
}

func indexMatch(text, t string) match {
	first := strings.Index(text, t)
	if first < 0 {
		return match{first: -1}
	}
	m := match{first: first, count: 1}
	for at := first + 1; at <= len(text); {
		i := strings.Index(text[at:], t)
		if i < 0 {
			break
		}
		m.count++
		at += i + 1
	}
	return m
}

// matchLines returns the 1-based line of every (overlapping) occurrence of
// target, for an ambiguous-anchor report.
func matchLines(text, target string) []int {
	var lines []int
	line, counted := 1, 0
	for at := 0; at <= len(text); {
		i := strings.Index(text[at:], target)
		if i < 0 {
			break
		}
		line += strings.Count(text[counted:at+i], "\n")
		counted = at + i
		lines = append(lines, line)
		at += i + 1
	}
	return lines
}
