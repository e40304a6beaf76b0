package router

import (
	"errors"
	"testing"
	"time"
)

func TestPeriodBounds(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tz database:", err)
	}
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Skip("no tz database:", err)
	}
	at := func(s string, loc *time.Location) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name       string
		p          Period
		t          time.Time
		start, end time.Time
	}{
		{"daily utc", Period{Kind: Daily, Location: time.UTC}, at("2026-11-30 13:45:00", time.UTC), at("2026-11-30 00:00:00", time.UTC), at("2026-12-01 00:00:00", time.UTC)},
		{"monthly dec→jan", Period{Kind: Monthly, Location: time.UTC}, at("2026-12-31 23:59:59", time.UTC), at("2026-12-01 00:00:00", time.UTC), at("2027-01-01 00:00:00", time.UTC)},
		{"weekly from monday", Period{Kind: Weekly, Location: time.UTC}, at("2026-11-29 10:00:00", time.UTC), at("2026-11-23 00:00:00", time.UTC), at("2026-11-30 00:00:00", time.UTC)},
		{"weekly on monday", Period{Kind: Weekly, Location: time.UTC}, at("2026-11-30 00:00:00", time.UTC), at("2026-11-30 00:00:00", time.UTC), at("2026-12-07 00:00:00", time.UTC)},
		// 2026-03-08 has 23 hours in New York.
		{"daily dst spring", Period{Kind: Daily, Location: ny}, at("2026-03-08 12:00:00", ny), at("2026-03-08 00:00:00", ny), at("2026-03-09 00:00:00", ny)},
		{"hourly half-hour zone", Period{Kind: Hourly, Location: kolkata}, at("2026-11-30 10:59:59", kolkata), at("2026-11-30 10:00:00", kolkata), at("2026-11-30 11:00:00", kolkata)},
		{"fixed 15m", Period{Kind: FixedLength, Length: 15 * time.Minute}, time.Unix(1000, 5), time.Unix(900, 0), time.Unix(1800, 0)},
		{"fixed before epoch", Period{Kind: FixedLength, Length: time.Minute}, time.Unix(-1, 0), time.Unix(-60, 0), time.Unix(0, 0)},
	}
	for _, c := range cases {
		s, e, err := c.p.Bounds(c.t)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !s.Equal(c.start) || !e.Equal(c.end) {
			t.Errorf("%s: Bounds(%v) = [%v, %v), want [%v, %v)", c.name, c.t, s, e, c.start, c.end)
		}
	}
	if got := (Period{Kind: Daily, Location: ny}); true {
		s, e, _ := got.Bounds(at("2026-03-08 12:00:00", ny))
		if e.Sub(s) != 23*time.Hour {
			t.Errorf("DST day lasts %v, want 23h", e.Sub(s))
		}
	}
}

func TestPeriodBoundsContainT(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tz database:", err)
	}
	base := time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC)
	for _, k := range []PeriodKind{Hourly, Daily, Weekly, Monthly} {
		p := Period{Kind: k, Location: ny}
		for i := 0; i < 24*20; i++ { // across the November DST change, every 17 minutes
			tt := base.Add(time.Duration(i) * 17 * time.Minute)
			s, e, err := p.Bounds(tt)
			if err != nil || tt.Before(s) || !tt.Before(e) {
				t.Fatalf("%v at %v: [%v, %v) err %v", k, tt, s, e, err)
			}
			s2, e2, _ := p.Bounds(s)
			if !s2.Equal(s) || !e2.Equal(e) {
				t.Fatalf("%v: Bounds(start) = [%v, %v), want [%v, %v)", k, s2, e2, s, e)
			}
		}
	}
}

func TestPeriodInvalid(t *testing.T) {
	for _, p := range []Period{{Kind: Daily}, {Kind: FixedLength}, {Kind: FixedLength, Length: -1}, {Kind: 99}} {
		if _, _, err := p.Bounds(time.Unix(0, 0)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: err = %v, want ErrInvalid", p, err)
		}
	}
	if PeriodKind(42).String() != "PeriodKind(42)" || Monthly.String() != "Monthly" {
		t.Error("PeriodKind.String")
	}
}
