package skill

import (
	"time"
)

type phase int

const (
	phBaseline phase = iota
	phStartEpoch
	phStartStep
	phRollout
	phPropose
	phValidate
	phEpochEnd
	phSlowPrev
	phSlowCurr
	phSlowHook
	phSlowValidate
	phFinal
	phDone
)

// state is everything a checkpoint holds.
type state struct {
	Phase       phase               `json:"phase"`
	Epoch       int                 `json:"epoch"`
	StepInEpoch int                 `json:"step_in_epoch"`
	Step        int                 `json:"step"`
	Order       []int               `json:"order,omitempty"`
	Current     Document            `json:"current"`
	CurScore    valScore            `json:"cur_score"`
	Best        Document            `json:"best"`
	BestScore   valScore            `json:"best_score"`
	BestStep    int                 `json:"best_step"`
	Baseline    float64             `json:"baseline"`
	PrevEpoch   Document            `json:"prev_epoch"`
	Buffer      Buffer              `json:"buffer,omitempty"`
	Memory      string              `json:"memory,omitempty"`
	Cache       map[string]valScore `json:"cache"`
	EvalUnits   int                 `json:"eval_units"`
	Calls       int                 `json:"proposer_calls"`
	Cost        float64             `json:"cost"`
	Elapsed     time.Duration       `json:"elapsed"`
	NoHook      bool                `json:"no_hook,omitempty"` // SlowAuto, run by Run without an EpochHook: epoch-end updates skipped
	Stop        Stop                `json:"stop,omitempty"`
	Err         string              `json:"err,omitempty"`
	Records     []Record            `json:"records,omitempty"`
	Scratch     *scratch            `json:"scratch,omitempty"`
	Slow        *slowScratch        `json:"slow,omitempty"`
	RNG         []byte              `json:"rng,omitempty"`
}

// scratch is a step in progress.
type scratch struct {
	Rec       Record           `json:"rec"`
	Rollouts  []Result         `json:"rollouts,omitempty"`
	Batches   []minibatch      `json:"batches,omitempty"`
	Call      int              `json:"call"`
	Retry     *Retry           `json:"retry,omitempty"`
	Edits     []Edit           `json:"edits,omitempty"`
	Candidate Document         `json:"candidate"`
	Patterns  []FailurePattern `json:"patterns,omitempty"`
}

type minibatch struct {
	Successes bool  `json:"successes,omitempty"`
	Items     []int `json:"items"` // indices into Rollouts
}

// slowScratch is an epoch-end update in progress.
type slowScratch struct {
	Rec       Record   `json:"rec"`
	IDs       []string `json:"ids"`
	Prev      []Result `json:"prev,omitempty"`
	Curr      []Result `json:"curr,omitempty"`
	Candidate Document `json:"candidate"`
}
