package router

import (
	"fmt"
	"time"
)

// PeriodKind says when a budget resets.
type PeriodKind int

const (
	// Lifetime budgets never reset (the zero value).
	Lifetime PeriodKind = iota
	// Hourly, Daily, Weekly and Monthly budgets reset at the start of each
	// local hour, day, ISO week (Monday 00:00) or calendar month in
	// Period.Location, daylight-saving changes included.
	Hourly
	Daily
	Weekly
	Monthly
	// FixedLength budgets reset every Period.Length, at multiples of Length
	// since the Unix epoch.
	FixedLength
)

var periodKindNames = [...]string{"Lifetime", "Hourly", "Daily", "Weekly", "Monthly", "FixedLength"}

// String returns the kind's name, or PeriodKind(n) for an unknown value.
func (k PeriodKind) String() string {
	if k >= 0 && int(k) < len(periodKindNames) {
		return periodKindNames[k]
	}
	return fmt.Sprintf("PeriodKind(%d)", int(k))
}

// Period is a budget's reset schedule. The zero Period is Lifetime. Calendar
// kinds need a Location (use time.UTC for UTC); FixedLength needs Length > 0.
type Period struct {
	Kind     PeriodKind
	Location *time.Location
	Length   time.Duration
}

// Validate reports a Period that cannot be used, wrapping ErrInvalid.
func (p Period) Validate() error {
	switch p.Kind {
	case Lifetime:
		return nil
	case Hourly, Daily, Weekly, Monthly:
		if p.Location == nil {
			return fmt.Errorf("%w: Period.Location = nil (a %v period needs a location; use time.UTC for UTC)", ErrInvalid, p.Kind)
		}
		return nil
	case FixedLength:
		if p.Length <= 0 {
			return fmt.Errorf("%w: Period.Length = %v (a FixedLength period needs Length > 0)", ErrInvalid, p.Length)
		}
		return nil
	}
	return fmt.Errorf("%w: Period.Kind = %v (unknown)", ErrInvalid, p.Kind)
}

// Bounds returns the period containing t: start ≤ t < end. A Lifetime
// period returns two zero times. Bounds returns an error wrapping ErrInvalid
// for an invalid Period.
func (p Period) Bounds(t time.Time) (start, end time.Time, err error) {
	if err := p.Validate(); err != nil {
		return time.Time{}, time.Time{}, err
	}
	switch p.Kind {
	case Lifetime:
		return time.Time{}, time.Time{}, nil
	case FixedLength:
		n := t.UnixNano()
		l := int64(p.Length)
		q := n / l
		if n%l < 0 {
			q--
		}
		start = time.Unix(0, q*l)
		return start, start.Add(p.Length), nil
	case Hourly:
		// The local wall hour: subtract minutes, seconds and nanoseconds
		// so that zones with half-hour offsets and repeated hours at a
		// daylight-saving change still give one-hour periods containing t.
		lt := t.In(p.Location)
		start = t.Add(-time.Duration(lt.Minute())*time.Minute - time.Duration(lt.Second())*time.Second - time.Duration(lt.Nanosecond()))
		return start, start.Add(time.Hour), nil
	}
	lt := t.In(p.Location)
	y, m, d := lt.Date()
	switch p.Kind {
	case Daily:
		start = time.Date(y, m, d, 0, 0, 0, 0, p.Location)
		end = time.Date(y, m, d+1, 0, 0, 0, 0, p.Location)
	case Weekly:
		back := (int(lt.Weekday()) + 6) % 7 // days since Monday
		start = time.Date(y, m, d-back, 0, 0, 0, 0, p.Location)
		end = time.Date(y, m, d-back+7, 0, 0, 0, 0, p.Location)
	case Monthly:
		start = time.Date(y, m, 1, 0, 0, 0, 0, p.Location)
		end = time.Date(y, m+1, 1, 0, 0, 0, 0, p.Location)
	}
	// Where a zone skips local midnight, time.Date normalises to the
	// first instant after it; keep start ≤ t < end regardless.
	if t.Before(start) {
		start = t
	}
	if !t.Before(end) {
		end = t.Add(1)
	}
	return start, end, nil
}
