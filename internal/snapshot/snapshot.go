// Package snapshot implements budgetkit's versioned JSON snapshot envelope.
//
// Every stateful type in budgetkit saves itself as
//
//	{"kind": "curriculum.DUMP", "version": 1, "config": {...}, "state": {...}}
//
// and refuses to restore a snapshot whose kind or version differs, or whose
// config does not equal the receiver's (compared as decoded JSON values, so
// field order and formatting do not matter). float64 values round-trip
// exactly through encoding/json, so a restored object continues bit for bit.
package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// ErrMismatch reports a well-formed snapshot that belongs to another kind,
// version or configuration.
var ErrMismatch = errors.New("snapshot does not match")

// ErrCorrupt reports data that is not a valid snapshot envelope.
var ErrCorrupt = errors.New("snapshot is corrupt")

type envelope struct {
	Kind    string          `json:"kind"`
	Version int             `json:"version"`
	Config  json.RawMessage `json:"config"`
	State   json.RawMessage `json:"state"`
}

// Marshal encodes config and state in the envelope.
func Marshal(kind string, version int, config, state any) ([]byte, error) {
	c, err := json.Marshal(config)
	if err != nil {
		return nil, fmt.Errorf("encoding config: %w", err)
	}
	s, err := json.Marshal(state)
	if err != nil {
		return nil, fmt.Errorf("encoding state: %w", err)
	}
	return json.Marshal(envelope{Kind: kind, Version: version, Config: c, State: s})
}

// Unmarshal decodes data into state after checking that its kind and version
// equal the given ones and that its config equals config (which is marshalled
// for the comparison). The state is decoded with unknown fields rejected.
// Errors wrap ErrCorrupt or ErrMismatch.
func Unmarshal(data []byte, kind string, version int, config, state any) error {
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: trailing data after the envelope", ErrCorrupt)
	}
	if env.Kind != kind {
		return fmt.Errorf("%w: kind %q, want %q", ErrMismatch, env.Kind, kind)
	}
	if env.Version != version {
		return fmt.Errorf("%w: %s version %d, want %d", ErrMismatch, kind, env.Version, version)
	}
	if len(env.Config) == 0 || len(env.State) == 0 {
		return fmt.Errorf("%w: missing config or state", ErrCorrupt)
	}
	want, err := json.Marshal(config)
	if err != nil {
		return fmt.Errorf("encoding config: %w", err)
	}
	var got, exp any
	if err := json.Unmarshal(env.Config, &got); err != nil {
		return fmt.Errorf("%w: config: %v", ErrCorrupt, err)
	}
	if err := json.Unmarshal(want, &exp); err != nil {
		return fmt.Errorf("decoding config: %w", err)
	}
	if !reflect.DeepEqual(got, exp) {
		return fmt.Errorf("%w: config %s, want %s", ErrMismatch, env.Config, want)
	}
	sdec := json.NewDecoder(bytes.NewReader(env.State))
	sdec.DisallowUnknownFields()
	if err := sdec.Decode(state); err != nil {
		return fmt.Errorf("%w: state: %v", ErrCorrupt, err)
	}
	return nil
}
