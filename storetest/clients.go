package storetest

import (
	"testing"

	"github.com/tokenmanager/tokenmanager"
)

// clientStore returns s as a ClientStore, failing the test when the
// backend has none: every backend of the server keeps service clients.
func clientStore(t *testing.T, s tokenmanager.Store) tokenmanager.ClientStore {
	t.Helper()
	cs, ok := s.(tokenmanager.ClientStore)
	if !ok {
		t.Fatalf("%T does not implement tokenmanager.ClientStore", s)
	}
	return cs
}

func testClients(t *testing.T, open Opener) {
	now := baseTime()
	gw := tokenmanager.Client{ID: "gw", SecretHash: []byte{0, 1, 2, 0xff}, Scopes: []string{"introspect", "events"}, CreatedAt: now}
	norm := func(c tokenmanager.Client) tokenmanager.Client { c.CreatedAt = utc(c.CreatedAt); return c }

	t.Run("CreateThenGet", func(t *testing.T) {
		cs := clientStore(t, open(t))
		c := gw
		mustNil(t, cs.CreateClient(t.Context(), &c), "CreateClient")
		got, err := cs.Client(t.Context(), "gw")
		mustNil(t, err, "Client")
		sameValue(t, "client", norm(*got), norm(gw))
	})
	t.Run("ErrConflict", func(t *testing.T) {
		cs := clientStore(t, open(t))
		first, second := gw, gw
		second.SecretHash = []byte("another hash")
		mustNil(t, cs.CreateClient(t.Context(), &first), "CreateClient")
		wantCode(t, cs.CreateClient(t.Context(), &second), tokenmanager.EConflict)
		got, err := cs.Client(t.Context(), "gw")
		mustNil(t, err, "Client")
		sameValue(t, "client after a refused duplicate", norm(*got), norm(gw))
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		cs := clientStore(t, open(t))
		_, err := cs.Client(t.Context(), "nobody")
		wantCode(t, err, tokenmanager.ENotFound)
		wantCode(t, cs.DeleteClient(t.Context(), "nobody"), tokenmanager.ENotFound)
	})
	t.Run("ListOrderedAndDelete", func(t *testing.T) { testClientList(t, open(t), gw) })
	t.Run("AddThenAuthenticate", func(t *testing.T) { testClientAuth(t, clientStore(t, open(t))) })
}

// testClientList lists clients in id order, and no more after a delete.
func testClientList(t *testing.T, s tokenmanager.Store, gw tokenmanager.Client) {
	cs := clientStore(t, s)
	list, err := cs.Clients(t.Context())
	mustNil(t, err, "Clients on an empty store")
	if len(list) != 0 {
		t.Fatalf("Clients on an empty store = %v, want none", list)
	}
	for _, id := range []string{"zeta", "alpha", "mid"} {
		c := gw
		c.ID = id
		mustNil(t, cs.CreateClient(t.Context(), &c), "CreateClient "+id)
	}
	mustNil(t, cs.DeleteClient(t.Context(), "mid"), "DeleteClient")
	list, err = cs.Clients(t.Context())
	mustNil(t, err, "Clients")
	var ids []string
	for _, c := range list {
		ids = append(ids, c.ID)
	}
	sameValue(t, "client ids", ids, []string{"alpha", "zeta"})
	_, err = cs.Client(t.Context(), "mid")
	wantCode(t, err, tokenmanager.ENotFound)
}

// testClientAuth adds a client and authenticates it: the right secret
// passes, any other, or an unknown id, is invalid_client.
func testClientAuth(t *testing.T, cs tokenmanager.ClientStore) {
	c, secret, err := tokenmanager.AddClient(t.Context(), cs, "rs", []string{"introspect"}, baseTime())
	mustNil(t, err, "AddClient")
	if len(secret) < 43 || string(c.SecretHash) == secret {
		t.Fatalf("secret %q (hash %x): want 256 random bits, stored hashed", secret, c.SecretHash)
	}
	got, err := tokenmanager.AuthenticateClient(t.Context(), cs, "rs", secret)
	mustNil(t, err, "AuthenticateClient with the right secret")
	if !got.HasScope("introspect") || got.HasScope("events") {
		t.Fatalf("scopes = %v, want [introspect]", got.Scopes)
	}
	for name, try := range map[string][2]string{
		"WrongSecret": {"rs", secret[:len(secret)-1] + "x"},
		"EmptySecret": {"rs", ""},
		"UnknownID":   {"nobody", secret},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := tokenmanager.AuthenticateClient(t.Context(), cs, try[0], try[1])
			wantCode(t, err, tokenmanager.EInvalidClient)
		})
	}
	_, _, err = tokenmanager.AddClient(t.Context(), cs, "rs", nil, baseTime())
	wantCode(t, err, tokenmanager.EConflict)
}
