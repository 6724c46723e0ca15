package service

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
	"github.com/tokenmanager/tokenmanager/redis"
)

func TestMain(m *testing.M) {
	redis.RouteClientLogs(quiet) // the tests keep Redis down on purpose
	os.Exit(m.Run())
}

// eventually polls cond for up to a second: the propagation bound between
// two instances on one machine is milliseconds.
func eventually(t *testing.T, what string, cond func() error) {
	t.Helper()
	var err error
	for end := time.Now().Add(time.Second); time.Now().Before(end); time.Sleep(2 * time.Millisecond) {
		if err = cond(); err == nil {
			return
		}
	}
	t.Fatalf("%s: %v", what, err)
}

// Two services opened by the one call on the same Redis act as one: a
// cancellation on one is refused by the other, and a key rotation on one
// is accepted by the other.
func TestTwoServicesOnOneRedis(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	a := mustOpen(t, srv.URL(), Options{Issuer: "https://tm.test"})
	b := mustOpen(t, srv.URL(), Options{Issuer: "https://tm.test"})

	pair, err := a.Issue(ctx, "alice", tokenmanager.SessionMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Verify(ctx, pair.AccessToken); err != nil {
		t.Fatalf("B verifies A's token: %v", err)
	}
	if err := a.CancelSession(ctx, pair.SessionID); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B refuses the session A cancelled", func() error {
		if _, err := b.Verify(ctx, pair.AccessToken); tokenmanager.ErrorCode(err) != tokenmanager.EInvalidToken {
			return fmt.Errorf("B answered %v", err)
		}
		return nil
	})

	if _, err := a.RotateKeys(ctx, "ES256"); err != nil {
		t.Fatal(err)
	}
	fresh, err := a.Issue(ctx, "alice", tokenmanager.SessionMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Verify(ctx, fresh.AccessToken); err != nil {
		t.Fatalf("B verifies a token signed by the key A rotated to: %v", err)
	}
	if b.Codec().Alg() != "ES256" {
		t.Errorf("B signs with %s after A's rotation, want ES256", b.Codec().Alg())
	}
}

// Open waits for a Redis that is not up yet, and gives up when ctx ends,
// saying why.
func TestOpenWaitsForRedis(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err = Open(ctx, "redis://"+addr+"/0?dial_timeout=100ms", Options{Logger: quiet})
	if err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("Open on a closed port: %v, want an error saying the store is unreachable", err)
	}

	srv := redistest.Start(t)
	srv.Stop()
	late := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		s, err := Open(ctx, srv.URL(), Options{Logger: quiet})
		if err == nil {
			s.Close()
		}
		late <- err
	}()
	time.Sleep(300 * time.Millisecond) // Open is retrying now
	srv.Restart()
	if err := <-late; err != nil {
		t.Fatalf("Open while Redis restarts: %v", err)
	}
}
