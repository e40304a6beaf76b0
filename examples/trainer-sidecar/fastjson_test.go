package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzFastObserve checks that whenever the fast decoder handles an input,
// encoding/json (with the service's strict settings) accepts it too and
// decodes exactly the same request.
func FuzzFastObserve(f *testing.F) {
	for _, s := range []string{
		`{"session":"b","step":3,"shard":0,"prompts":[{"id":"prompt-0","source":"s0","rewards":[0,0,1,1]},{"id":"prompt-1","source":"s1","rewards":[1,1,1,1]}]}`,
		`{"session":"r","step":0,"shard":0,"prompts":[{"id":"x","source":"a","rewards":[1,0,-0,0.5,1e-3,-2E+2],"lengths":[]}]}`,
		` { "prompts" : [ ] , "step" : 12 } `,
		`{"session":"r","step":1.0}`,
		`{"session":"r","Step":1}`,
		`{"session":"r","step":1,"step":2}`,
		`{"session":"é\u00e9","prompts":[{"id":"\"q\"","rewards":[01]}]}`,
		`{"prompts":[{"rewards":[1e400]}]}`,
		`{"prompts":null}`,
		`{"session":"r"}{}`,
		`{"prompts":[{"id":"x","rewards":[1,]}]}`,
		`{"step":-9223372036854775808,"shard":9223372036854775808}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast observeRequest
		if !fastObserve(b, &fast) {
			return
		}
		var slow observeRequest
		if err := decodeBytes(b, &slow); err != nil {
			t.Fatalf("fast decoder accepted %q, encoding/json refused it: %v", b, err)
		}
		if diff := cmp.Diff(slow, fast); diff != "" {
			t.Fatalf("%q decodes differently (-encoding/json +fast):\n%s", b, diff)
		}
	})
}

func TestFastObserveHandlesClientBodies(t *testing.T) {
	var r observeRequest
	for _, s := range []string{
		observeBody(1),
		// json.dumps with its default separators, as client.py sends
		`{"session": "r", "step": 0, "shard": 0, "prompts": [{"id": "7", "source": "math", "rewards": [1.0, 0.0, 0.5], "lengths": [12, 40, 7]}]}`,
	} {
		if !fastObserve([]byte(s), &r) {
			t.Errorf("the fast decoder refused %s", s)
		}
	}
}
