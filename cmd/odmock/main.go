// Command odmock serves a mock of OpenDialog's User Interactions API.
//
// Run `odmock --help` for its flags and subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	// The time zone database, built in: the console's charts count
	// messages on each user's clock, and the container image (scratch)
	// has no /usr/share/zoneinfo.
	_ "time/tzdata"
)

// version is stamped at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ue usageError
		var reported reportedError
		if (!errors.As(err, &ue) || ue.err != nil) && !errors.Is(err, errProblems) && !errors.As(err, &reported) {
			fmt.Fprintln(os.Stderr, "odmock:", err)
		}
		os.Exit(exitCode(err))
	}
}
