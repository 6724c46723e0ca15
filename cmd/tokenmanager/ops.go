package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/service"
)

// The operator commands reach a running server through its admin socket
// (bbolt allows one process per file, and the server's replica must hear of
// the cancellation at once). When no server is running they open the store
// themselves and act on it directly.

func cancelUser(ctx context.Context, args []string, out io.Writer) error {
	return operate(ctx, "cancel-user", args, out, func(name string) request {
		return request{"POST", "/admin/users/" + url.PathEscape(name) + "/cancel", nil}
	}, func(ctx context.Context, m *Main, name string) (any, error) {
		canon, err := tokenmanager.CanonicalUsername(name)
		if err != nil {
			return nil, err
		}
		return nil, m.svc.Load().CancelSubject(ctx, canon)
	})
}

func cancelToken(ctx context.Context, args []string, out io.Writer) error {
	return operate(ctx, "cancel-token", args, out, func(token string) request {
		body, _ := json.Marshal(map[string]string{"token": token})
		return request{"POST", "/admin/tokens/cancel", body}
	}, func(ctx context.Context, m *Main, token string) (any, error) {
		return nil, m.svc.Load().Revoke(ctx, token)
	})
}

func cancelSession(ctx context.Context, args []string, out io.Writer) error {
	return operate(ctx, "cancel-session", args, out, func(id string) request {
		return request{"POST", "/admin/sessions/" + url.PathEscape(id) + "/cancel", nil}
	}, func(ctx context.Context, m *Main, id string) (any, error) {
		return nil, m.svc.Load().CancelSession(ctx, id)
	})
}

func listSessions(ctx context.Context, args []string, out io.Writer) error {
	return operate(ctx, "sessions", args, out, func(name string) request {
		return request{"GET", "/admin/users/" + url.PathEscape(name) + "/sessions", nil}
	}, func(ctx context.Context, m *Main, name string) (any, error) {
		canon, err := tokenmanager.CanonicalUsername(name)
		if err != nil {
			return nil, err
		}
		ss, err := m.svc.Load().Sessions(ctx, canon)
		return map[string]any{"sessions": ss}, err
	})
}

func status(ctx context.Context, args []string, out io.Writer) error {
	return operate(ctx, "status", append(args, "-"), out, func(string) request {
		return request{"GET", "/admin/status", nil}
	}, func(ctx context.Context, m *Main, _ string) (any, error) {
		return map[string]any{"cancelled_set_size": m.svc.Load().Replica().Set.Len(), "ready": m.svc.Load().Replica().Ready(), "server": "not running"}, nil
	})
}

// request is a call to the admin socket.
type request struct {
	method, path string
	body         []byte
}

// operate parses the store flags and one argument, then calls the running
// server over its admin socket, or, when none runs, acts on the store.
func operate(ctx context.Context, name string, args []string, out io.Writer,
	remote func(arg string) request, local func(context.Context, *Main, string) (any, error)) error {
	c, fs, err := parseConfig(name, args, os.Getenv)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("want exactly one argument (see --help)")
	}
	arg := fs.Arg(0)
	if sock := adminSocketPath(c); sock != "" {
		res, err := callSocket(ctx, sock, remote(arg))
		if err == nil {
			_, err = out.Write(res)
			return err
		} else if !errors.Is(err, errNoServer) {
			return err
		}
	}
	return offline(ctx, c, out, func(ctx context.Context, m *Main) (any, error) { return local(ctx, m, arg) })
}

var errNoServer = errors.New("no server is listening on the admin socket")

// callSocket sends req to the admin socket and returns the body of a 2xx
// answer (or a short "ok").
func callSocket(ctx context.Context, sock string, req request) ([]byte, error) {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		}}}
	r, err := http.NewRequestWithContext(ctx, req.method, "http://admin"+req.path, bytes.NewReader(req.body))
	if err != nil {
		return nil, err
	}
	r.Header.Set("Content-Type", "application/json")
	res, err := client.Do(r)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", errNoServer, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode >= 300 {
		return nil, fmt.Errorf("the server answered %s: %s", res.Status, bytes.TrimSpace(body))
	}
	if len(body) == 0 {
		body = []byte("ok\n")
	}
	return body, nil
}

// offline opens the store (no server holds it) and runs fn on a Main that
// does not serve.
func offline(ctx context.Context, c *Config, out io.Writer, fn func(context.Context, *Main) (any, error)) error {
	m := &Main{Config: c, Logger: newLogger(c, io.Discard)}
	opts, err := m.options()
	if err != nil {
		return err
	}
	store, err := openExisting(ctx, c, m.Logger)
	if err != nil {
		return err
	}
	m.store = store
	defer m.Close()
	svc, err := service.New(ctx, store, opts)
	if err != nil {
		return err
	}
	m.svc.Store(svc)
	v, err := fn(ctx, m)
	if err != nil {
		return errors.New(tokenmanager.ErrorMessage(err))
	}
	if v == nil {
		_, err = fmt.Fprintln(out, "ok")
		return err
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// healthcheck asks a server's /healthz, for container health checks.
func healthcheck(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	u := fs.String("url", "http://127.0.0.1:8080/healthz", "health endpoint to ask")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	r, err := http.NewRequestWithContext(ctx, "GET", *u, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("%s answered %s", *u, res.Status)
	}
	_, err = fmt.Fprintln(out, strings.ToLower(res.Status))
	return err
}
