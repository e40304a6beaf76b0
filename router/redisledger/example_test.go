package redisledger_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/budgetkit/budgetkit/router"
	"github.com/budgetkit/budgetkit/router/redisledger"
	"github.com/redis/go-redis/v9"
)

func ExampleLedger() {
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: os.Getenv("BUDGETKIT_REDIS_ADDR")})
	defer c.Close()
	day := router.Period{Kind: router.Daily, Location: time.UTC}
	ns := "example-" + strconv.Itoa(os.Getpid())
	l, err := redisledger.New(ctx, redisledger.Config{
		Client:    c,
		Namespace: ns,
		Accounts: []router.Account{
			{Name: "global", Limit: 10_000, Period: day},
			{Name: "key:alice", Limit: 1_000, Period: day},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	path := []string{"global", "key:alice"}
	// Hold an upper bound, then settle the actual cost.
	err = l.Reserve(ctx, now, router.Hold{ID: 1, Accounts: path, Amount: 800, Deadline: now.Add(time.Minute)})
	fmt.Println("reserve 800:", err)
	err = l.Reserve(ctx, now, router.Hold{ID: 2, Accounts: path, Amount: 300, Deadline: now.Add(time.Minute)})
	fmt.Println("reserve 300 more:", errors.Is(err, router.ErrBudgetExhausted))
	fmt.Println("settle 650:", l.Settle(ctx, now.Add(time.Second), 1, 650))
	b, _ := l.Balance(ctx, now, "key:alice")
	fmt.Printf("alice: spent %d, held %d, remaining %d\n", b.Spent, b.Held, b.Remaining())
	// Tidy up the example's keys.
	for _, name := range path {
		k, _ := l.Key(now, name)
		c.Del(ctx, k)
	}
	// Output:
	// reserve 800: <nil>
	// reserve 300 more: true
	// settle 650: <nil>
	// alice: spent 650, held 0, remaining 350
}
