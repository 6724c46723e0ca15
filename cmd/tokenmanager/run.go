package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// command is one subcommand of tokenmanager.
type command struct {
	name, args, help string
	run              func(ctx context.Context, args []string, out io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "", "run the server", serve},
		{"cancel-user", "USERNAME", "cancel every token of a user", cancelUser},
		{"cancel-token", "TOKEN", "cancel an access or refresh token", cancelToken},
		{"cancel-session", "SESSION_ID", "cancel one session (device)", cancelSession},
		{"sessions", "USERNAME", "list a user's live sessions", listSessions},
		{"clients", "add|list|remove", "service clients for introspection, revocation and the event stream: add NAME [--scope introspect,revoke,events] prints the secret once", clientsCommand},
		{"disable-user", "USERNAME", "cancel every token of a user and refuse their sign-ins until enable-user", disableUser},
		{"enable-user", "USERNAME", "let a disabled user sign in again", enableUser},
		{"delete-user", "USERNAME", "cancel every token of a user and delete the account", deleteUser},
		{"keys", "rotate|list|revoke", "publish a new signing key that signs after the JWKS cache lifetime (--now: at once), list the keys and their states, or revoke a leaked key (KID)", keysCommand},
		{"status", "", "show the cancelled set's size and the replica's state", status},
		{"backup", "FILE", "write a consistent copy of the store to FILE (from the running server, or the store itself)", backupCommand},
		{"restore", "FILE", "put a backup back as the store (the server stopped; an embedded store's old file is kept beside it)", restoreCommand},
		{"migrate", "--to URL|DIR", "copy every account, session, key and live cancellation to an empty store (--from: the source)", migrateCommand},
		{"healthcheck", "[--url URL]", "exit 0 when the server's /healthz answers 200 (for container health checks)", healthcheck},
		{"version", "", "print the version", printVersion},
	}
}

// run executes the subcommand named by args[0] and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" {
		args[0] = "version"
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		if wantsHelp(args[1:]) {
			line := strings.TrimSpace("Usage: tokenmanager " + c.name + " [flags] " + c.args)
			fmt.Fprintf(stdout, "%s\n\n%s.\n\nFlags:\n", line, c.help)
		}
		err := c.run(ctx, args[1:], stdout)
		if errors.Is(err, flag.ErrHelp) {
			return 0
		} else if err != nil {
			fmt.Fprintf(stderr, "tokenmanager %s: %v\n", c.name, err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "tokenmanager: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// wantsHelp reports whether args ask for a command's help.
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			return true
		}
	}
	return false
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: tokenmanager COMMAND [flags] [args]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-15s %-12s %s\n", c.name, c.args, c.help)
	}
	fmt.Fprintln(w, "\nEvery command takes --help. Flags are also read from TOKENMANAGER_<FLAG> and --config.")
}

// serve runs the server until ctx ends (SIGINT or SIGTERM).
func serve(ctx context.Context, args []string, _ io.Writer) error {
	c, _, err := parseConfig("serve", args, os.Getenv)
	if err != nil {
		return err
	}
	m := &Main{Config: c, Logger: newLogger(c, os.Stderr)}
	headroom, _ := gcHeadroom(c.GCHeadroom)
	go tuneGC(ctx, headroom, os.Getenv("GOGC") != "", m.Logger)
	if err := m.Open(ctx); err != nil {
		m.Close()
		return err
	}
	select {
	case <-ctx.Done():
		m.Logger.Info("shutting down")
		return m.Close()
	case err := <-m.Fatal():
		m.Close()
		return err
	}
}
