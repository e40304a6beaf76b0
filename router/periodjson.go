package router

import (
	"fmt"
	"time"
)

// periodJSON is a Period in snapshots: the location by its IANA name.
type periodJSON struct {
	Kind     PeriodKind `json:"kind"`
	Location string     `json:"location,omitempty"`
	Length   int64      `json:"length,omitempty"`
}

func toPeriodJSON(p Period) periodJSON {
	j := periodJSON{Kind: p.Kind, Length: int64(p.Length)}
	if p.Location != nil {
		j.Location = p.Location.String()
	}
	return j
}

func (j periodJSON) period() (Period, error) {
	p := Period{Kind: j.Kind, Length: time.Duration(j.Length)}
	if j.Location != "" {
		loc, err := time.LoadLocation(j.Location)
		if err != nil {
			return p, fmt.Errorf("period location %q: %v", j.Location, err)
		}
		p.Location = loc
	}
	return p, p.Validate()
}

// tenantJSON is a Tenant in snapshots.
type tenantJSON struct {
	Name     string     `json:"name"`
	Parent   string     `json:"parent,omitempty"`
	Budget   float64    `json:"budget"`
	Period   periodJSON `json:"period"`
	Requests int        `json:"requests,omitempty"`
}

func toTenantJSON(t Tenant) tenantJSON {
	return tenantJSON{Name: t.Name, Parent: t.Parent, Budget: t.Budget, Period: toPeriodJSON(t.Period), Requests: t.Requests}
}

func (j tenantJSON) tenant() (Tenant, error) {
	p, err := j.Period.period()
	return Tenant{Name: j.Name, Parent: j.Parent, Budget: j.Budget, Period: p, Requests: j.Requests}, err
}

// checkBounds reports whether (start, end) are p's bounds of a period
// (both zero: not yet entered).
func checkBounds(p Period, start, end int64) bool {
	if p.Kind == Lifetime || (start == 0 && end == 0) {
		return start == 0 && end == 0
	}
	s, e, err := p.Bounds(time.Unix(0, start))
	return err == nil && s.UnixNano() == start && e.UnixNano() == end
}
