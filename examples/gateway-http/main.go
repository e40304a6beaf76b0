// Command gateway-http is an OpenAI-compatible LLM gateway in front of three
// fake upstream models (started in-process, each with its own price). It
// routes every chat completion with a budget pacer (router.Pacer), keeps
// each API key within its own daily budget and its team's, reserves an
// upper bound from max_tokens and settles the upstream's reported usage
// (streaming included), answers 429 with Retry-After when a key's budget is
// spent, and retries once on another model when an upstream fails.
//
//	go run ./examples/gateway-http            # a short demo: prints a table
//	go run ./examples/gateway-http -listen :8080
//
// The budgets live in an in-process router.MemoryLedger. To share them
// between gateway replicas through Redis, run the same command from the
// router/redisledger module (a nested module, so that this one does not
// depend on a Redis client):
//
//	cd router/redisledger && go run ./examples/gateway-http -redis localhost:6379
package main

import (
	"fmt"
	"os"

	"github.com/budgetkit/budgetkit/examples/gateway-http/gateway"
)

func main() {
	if err := gateway.Main(os.Args[1:], os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "gateway-http:", err)
		os.Exit(1)
	}
}
