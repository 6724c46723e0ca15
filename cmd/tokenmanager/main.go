// Command tokenmanager is the TokenManager server and its operator tools.
//
//	tokenmanager serve [flags]        run the server
//	tokenmanager cancel-user NAME     cancel every token of a user
//	tokenmanager help                 list every command
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}
