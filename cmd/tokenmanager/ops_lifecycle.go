package main

import (
	"context"
	"io"
	"net/url"

	"github.com/tokenmanager/tokenmanager"
)

// The account lifecycle's operator commands: through the running server's
// admin socket, or on the store directly when no server runs, like
// cancel-user.

func disableUser(ctx context.Context, args []string, out io.Writer) error {
	return operate(ctx, "disable-user", args, out, userRequest("POST", "/disable"),
		func(ctx context.Context, m *Main, name string) (any, error) {
			return nil, m.accounts().Disable(ctx, m.svc.Load().Manager, name)
		})
}

func enableUser(ctx context.Context, args []string, out io.Writer) error {
	return operate(ctx, "enable-user", args, out, userRequest("POST", "/enable"),
		func(ctx context.Context, m *Main, name string) (any, error) {
			return nil, m.accounts().Enable(ctx, name)
		})
}

func deleteUser(ctx context.Context, args []string, out io.Writer) error {
	return operate(ctx, "delete-user", args, out, userRequest("DELETE", ""),
		func(ctx context.Context, m *Main, name string) (any, error) {
			return nil, m.accounts().Delete(ctx, m.svc.Load().Manager, name)
		})
}

// userRequest is the admin socket's request on /admin/users/NAME+suffix.
func userRequest(method, suffix string) func(string) request {
	return func(name string) request {
		return request{method, "/admin/users/" + url.PathEscape(name) + suffix, nil}
	}
}

// accounts returns the account service of an operator command: no sign-in
// limit, the server's password hashing.
func (m *Main) accounts() *tokenmanager.Accounts {
	return tokenmanager.NewAccounts(m.svc.Load().Store(), nil, m.argon())
}
