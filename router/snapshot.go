package router

// Snapshot and Restore name the router's snapshots as every other
// budgetkit package does; they are the types' MarshalBinary and
// UnmarshalBinary (the same versioned JSON).

// Snapshot is MarshalBinary.
func (p *Pacer) Snapshot() ([]byte, error) { return p.MarshalBinary() }

// Restore is UnmarshalBinary.
func (p *Pacer) Restore(data []byte) error { return p.UnmarshalBinary(data) }

// Snapshot is MarshalBinary.
func (t *TauTracker) Snapshot() ([]byte, error) { return t.MarshalBinary() }

// Restore is UnmarshalBinary.
func (t *TauTracker) Restore(data []byte) error { return t.UnmarshalBinary(data) }

// Snapshot is MarshalBinary.
func (n *CostNormalizer) Snapshot() ([]byte, error) { return n.MarshalBinary() }

// Restore is UnmarshalBinary.
func (n *CostNormalizer) Restore(data []byte) error { return n.UnmarshalBinary(data) }
