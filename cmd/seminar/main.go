// Command seminar trains, quantizes, evaluates, benchmarks and serves the SEMINAR on-device
// ranker. Run "seminar help" for the subcommands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := newRootCmd().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "seminar:", err)
		os.Exit(1)
	}
}
