package gateway_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/budgetkit/budgetkit/examples/gateway-http/gateway"
	"github.com/budgetkit/budgetkit/router"
)

func ExampleGateway() {
	fleet := gateway.StartFleet(nil, 0) // three fake upstreams: small, medium, large
	defer fleet.Close()
	p, err := router.NewPacer(gateway.PacerConfig(fleet.Models), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	g, err := gateway.New(gateway.Config{Models: fleet.Models, Pacer: p, Keys: gateway.Keys})
	if err != nil {
		fmt.Println(err)
		return
	}
	front := httptest.NewServer(g)
	defer front.Close()

	res, err := gateway.Call(front.URL, "sk-alice", "What does a budget pacer do?", 256, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d from %s: %d+%d tokens, $%.6f; alice has $%s left\n",
		res.Status, res.Model, res.Usage.PromptTokens, res.Usage.CompletionTokens, res.Cost, res.Remaining)
	// Output: 200 from large: 7+65 tokens, $0.001010; alice has $0.148990 left
}
