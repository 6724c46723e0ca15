package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// keysCommand is `tokenmanager keys rotate|list|revoke`: rotate publishes a
// new signing key and makes it sign after the JWKS cache lifetime (--now:
// at once); list shows the key set and each key's state without key
// material; revoke KID withdraws a leaked key. rotate and revoke go
// through the running server's admin socket, or act on the store when no
// server runs.
func keysCommand(ctx context.Context, args []string, out io.Writer) error {
	rest, urgent := takeBoolFlag(args, "now")
	rest, sub := takeSubcommand(rest) // flags may come before it
	if !slices.Contains([]string{"rotate", "list", "revoke"}, sub) {
		return errKeysUsage
	}
	kid := ""
	if sub == "revoke" {
		if rest, kid = takeKid(rest); kid == "" {
			return errKeysUsage
		}
	}
	c, fs, err := parseConfig("keys "+sub, rest, os.Getenv)
	if err != nil {
		return err
	}
	if fs.NArg() != 0 || (urgent && sub != "rotate") {
		return errKeysUsage
	}
	alg := ""
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "alg" {
			alg = c.Alg
		}
	})
	if sock := adminSocketPath(c); sock != "" {
		res, err := callSocket(ctx, sock, keysRequest(sub, alg, kid, urgent))
		if err == nil {
			_, err = out.Write(res)
			return err
		} else if !errors.Is(err, errNoServer) {
			return err
		}
	}
	c.Alg = "" // take the stored set as it is; rotate to alg
	return offline(ctx, c, out, func(ctx context.Context, m *Main) (any, error) {
		if sub == "revoke" {
			return m.revokeKey(ctx, kid)
		}
		ks, err := keysOffline(ctx, m, sub, alg, urgent)
		if err != nil {
			return nil, err
		}
		return keySummary(ks, time.Now()), nil
	})
}

// keysRequest is the admin socket call of a keys subcommand.
func keysRequest(sub, alg, kid string, urgent bool) request {
	switch sub {
	case "list":
		return request{"GET", "/admin/keys", nil}
	case "revoke":
		return request{"POST", "/admin/keys/" + url.PathEscape(kid) + "/revoke", nil}
	}
	q := url.Values{"alg": {alg}}
	if urgent {
		q.Set("now", "1")
	}
	return request{"POST", "/admin/keys/rotate?" + q.Encode(), nil}
}

// keysOffline runs `keys list` or `keys rotate` on the store itself.
func keysOffline(ctx context.Context, m *Main, sub, alg string, urgent bool) (*tokenmanager.KeySet, error) {
	if sub == "list" {
		return m.svc.Load().Store().KeySet(ctx)
	}
	return m.rotateKeys(ctx, alg, urgent)
}

// takeBoolFlag removes a boolean flag (--name or -name) from args, wherever
// it is, and reports whether it was there: the keys subcommands' own
// flag, beside the store flags parseConfig knows.
func takeBoolFlag(args []string, name string) ([]string, bool) {
	var rest []string
	found := false
	for _, a := range args {
		if a == "--"+name || a == "-"+name || a == "--"+name+"=true" || a == "-"+name+"=true" {
			found = true
			continue
		}
		rest = append(rest, a)
	}
	return rest, found
}

// takeKid removes the one argument of `keys revoke` that is not a flag or
// a flag's value, and returns it. A kid is base64url and may start with
// "-", so it cannot be told from a flag by its first character: anything
// that does not name a serve flag is the kid.
func takeKid(args []string) ([]string, string) {
	fs := (&Config{}).flagSet("keys")
	var rest []string
	kid := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f := fs.Lookup(name)
		switch {
		case a == "--" && i+1 < len(args) && kid == "":
			kid = args[i+1]
			rest = append(rest, args[i+2:]...)
			return rest, kid
		case strings.HasPrefix(a, "-") && f != nil:
			rest = append(rest, a)
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !hasValue && !(ok && b.IsBoolFlag()) && i+1 < len(args) {
				i++
				rest = append(rest, args[i])
			}
		case kid == "":
			kid = a
		default:
			rest = append(rest, a) // a second argument: parseConfig refuses it
		}
	}
	return rest, kid
}
