// Command gateway-http is the main module's examples/gateway-http with its
// budgets kept in Redis, so that several gateway replicas share them. It
// lives in this nested module because only this module depends on a Redis
// client.
//
//	go run ./examples/gateway-http -redis localhost:6379            # the demo
//	go run ./examples/gateway-http -redis localhost:6379 -listen :8080
//
// Without -redis it behaves exactly as the main module's command.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/budgetkit/budgetkit/examples/gateway-http/gateway"
	"github.com/budgetkit/budgetkit/router"
	"github.com/budgetkit/budgetkit/router/redisledger"
	"github.com/redis/go-redis/v9"
)

func main() {
	if err := gateway.Main(os.Args[1:], os.Stdout, newLedger); err != nil {
		fmt.Fprintln(os.Stderr, "gateway-http:", err)
		os.Exit(1)
	}
}

// newLedger connects to Redis at addr. The demo's namespace is its own, so
// running it against a shared Redis touches no other keys; its budgets
// accumulate across runs within a day, as a real gateway's would.
func newLedger(ctx context.Context, addr string, accounts []router.Account) (router.Ledger, error) {
	c := redis.NewClient(&redis.Options{Addr: addr})
	return redisledger.New(ctx, redisledger.Config{Client: c, Namespace: "budgetkit-gateway-demo", Accounts: accounts})
}
