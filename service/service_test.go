package service

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/bolt"
)

var quiet = slog.New(slog.DiscardHandler)

func boltURL(t *testing.T) string { return "bolt:" + filepath.Join(t.TempDir(), "tm.db") }

func mustOpen(t *testing.T, url string, o Options) *Service {
	t.Helper()
	o.Logger = quiet
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := Open(ctx, url, o)
	if err != nil {
		t.Fatalf("Open(%s): %v", url, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// A cancellation made through one Service holds for the next one on the
// same store, and the keys are the stored ones (tokens stay valid across
// a restart).
func TestOpenEmbeddedKeepsKeysAndCancellations(t *testing.T) {
	ctx := context.Background()
	url := boltURL(t)
	a := mustOpen(t, url, Options{Issuer: "https://tm.test"})
	kept, _ := a.Issue(ctx, "alice", tokenmanager.SessionMeta{})
	gone, _ := a.Issue(ctx, "bob", tokenmanager.SessionMeta{})
	if err := a.CancelSession(ctx, gone.SessionID); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b := mustOpen(t, url, Options{Issuer: "https://tm.test"})
	if _, err := b.Verify(ctx, kept.AccessToken); err != nil {
		t.Errorf("a token of the first start: %v", err)
	}
	if _, err := b.Verify(ctx, gone.AccessToken); tokenmanager.ErrorCode(err) != tokenmanager.EInvalidToken {
		t.Errorf("a token cancelled before the restart: %v, want invalid_token", err)
	}
	if err := b.Ready(ctx); err != nil {
		t.Errorf("Ready: %v", err)
	}
}

func TestDefaultsAreTheServers(t *testing.T) {
	o := Options{}.withDefaults()
	for _, c := range []struct {
		name      string
		got, want time.Duration
	}{
		{"AccessTTL", o.AccessTTL, 5 * time.Minute},
		{"RefreshTTL", o.RefreshTTL, 720 * time.Hour},
		{"ReuseGrace", o.ReuseGrace, 5 * time.Second},
		{"Leeway", o.Leeway, 5 * time.Second},
		{"MaxStaleness", o.MaxStaleness, 5 * time.Second},
		{"KeyRefresh", o.KeyRefresh, 10 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
			}
		})
	}
	if o.Check != tokenmanager.CheckReplica || o.OnStoreOutage != tokenmanager.OutageClosed {
		t.Errorf("check %q, outage %q; want replica, closed", o.Check, o.OnStoreOutage)
	}
	off := Options{ReuseGrace: Off, Leeway: Off}.withDefaults()
	if off.ReuseGrace != 0 || off.Leeway != 0 {
		t.Errorf("Off gave grace %v, leeway %v; want 0", off.ReuseGrace, off.Leeway)
	}
}

// noFeed is a store that other processes might write, with no feed.
type noFeed struct{ tokenmanager.Store }

func TestNewRefusesAStoreWithoutFeed(t *testing.T) {
	store, err := bolt.Open(filepath.Join(t.TempDir(), "tm.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	_, err = New(context.Background(), noFeed{store}, Options{Logger: quiet})
	if err == nil || !strings.Contains(err.Error(), "no change feed") {
		t.Fatalf("New on a store without a feed: %v, want a refusal naming the feed", err)
	}
	s, err := New(context.Background(), store, Options{Logger: quiet})
	if err != nil {
		t.Fatalf("New on the exclusive embedded store: %v", err)
	}
	s.Close()
}

func TestOpenRefusesAtOnce(t *testing.T) {
	url := boltURL(t)
	mustOpen(t, url, Options{}).Close() // EdDSA keys stored
	for _, c := range []struct{ name, url, alg, want string }{
		{"no scheme", "data/tm.db", "", "has no scheme"},
		{"unknown scheme", "mysql://x", "", "not one of"},
		{"empty path", "bolt:", "", "names no file"},
		{"another algorithm", url, "ES256", "keys rotate --alg ES256"},
		{"bad redis url", "redis://h:notaport", "", "port"},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, err := Open(context.Background(), c.url, Options{Alg: c.alg, Logger: quiet})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Open: %v, want an error containing %q", err, c.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("a configuration error took %v: it must not be retried", d)
			}
		})
	}
}
