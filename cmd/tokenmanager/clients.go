package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/tokenmanager/tokenmanager"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

// clientsCommand is `tokenmanager clients add NAME [--scope …] | list |
// remove NAME`: the service clients that call the OAuth routes and the
// event stream with their own credentials. Like every operator command it
// goes through the running server's admin socket, or, with no server
// running, acts on the store directly.
func clientsCommand(ctx context.Context, args []string, out io.Writer) error {
	if wantsHelp(args) {
		fmt.Fprintf(out, "%s\n  -scope string\n    \tadd: introspect, revoke, events, comma-separated (default: all three)\n", errClientsUsage.Error()[len("usage: "):])
		_, _, err := parseConfig("clients", []string{"-h"}, os.Getenv) // the store flags
		return err
	}
	if len(args) == 0 || (args[0] != "add" && args[0] != "list" && args[0] != "remove") {
		return errClientsUsage
	}
	sub := args[0]
	scope, rest, err := takeFlag(args[1:], "scope")
	if err != nil {
		return err
	}
	c, fs, err := parseConfig("clients "+sub, rest, os.Getenv)
	if err != nil {
		return err
	}
	want := map[string]int{"add": 1, "list": 0, "remove": 1}[sub]
	if fs.NArg() != want || (scope != "" && sub != "add") {
		return errClientsUsage
	}
	scopes, err := tokenmanager.ParseScopes(scope)
	if err != nil {
		return errors.New(tokenmanager.ErrorMessage(err))
	}
	op := clientOp{sub: sub, name: fs.Arg(0), scopes: scopes}
	if sock := adminSocketPath(c); sock != "" {
		res, err := callSocket(ctx, sock, op.request())
		if err == nil {
			_, err = out.Write(res)
			return err
		} else if !errors.Is(err, errNoServer) {
			return err
		}
	}
	return offline(ctx, c, out, op.local)
}

// clientOp is one clients subcommand, as an admin socket request or as an
// action on the store.
type clientOp struct {
	sub, name string
	scopes    []string
}

func (o clientOp) request() request {
	switch o.sub {
	case "add":
		body, _ := json.Marshal(map[string]any{"client_id": o.name, "scopes": o.scopes})
		return request{"POST", "/admin/clients", body}
	case "remove":
		return request{"DELETE", "/admin/clients/" + url.PathEscape(o.name), nil}
	}
	return request{"GET", "/admin/clients", nil}
}

func (o clientOp) local(ctx context.Context, m *Main) (any, error) {
	cs, ok := m.store.(tokenmanager.ClientStore)
	if !ok {
		return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "this store keeps no service clients")
	}
	switch o.sub {
	case "add":
		c, secret, err := tokenmanager.AddClient(ctx, cs, o.name, o.scopes, time.Now())
		if err != nil {
			return nil, err
		}
		return tmhttp.NewClient{ClientID: c.ID, ClientSecret: secret}, nil
	case "remove":
		return nil, cs.DeleteClient(ctx, o.name)
	}
	list, err := cs.Clients(ctx)
	if list == nil {
		list = []tokenmanager.Client{}
	}
	return map[string]any{"clients": list}, err
}

var errClientsUsage = errors.New("usage: tokenmanager clients add NAME [--scope introspect,revoke,events] | list | remove NAME [store flags]")

// takeFlag removes --name VALUE (or --name=VALUE, one or two dashes) from
// args, for a flag that only one command has, and returns its value.
func takeFlag(args []string, name string) (string, []string, error) {
	var value string
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return value, append(rest, args[i:]...), nil
		}
		flagName, v, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || flagName != name {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return "", nil, fmt.Errorf("flag --%s needs a value", name)
			}
			i++
			v = args[i]
		}
		value = v
	}
	return value, rest, nil
}

// clientStoreOf returns the store's service clients, nil when it keeps
// none.
func clientStoreOf(s tokenmanager.Store) tokenmanager.ClientStore {
	cs, _ := s.(tokenmanager.ClientStore)
	return cs
}
