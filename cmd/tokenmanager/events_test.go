package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
	"github.com/tokenmanager/tokenmanager/remote"
)

// TestRemoteVerifierOnServe runs the remote Verifier against the real
// server: it learns a cancellation made on the server at once, its stream
// outlives the server's read and write timeouts, and the server still shuts down
// promptly with the stream open.
func TestRemoteVerifierOnServe(t *testing.T) {
	s, err := openMain(t, t.TempDir(), func(m *Main) { m.readTimeout, m.writeTimeout = 300*time.Millisecond, 300*time.Millisecond })
	if err != nil {
		t.Fatal(err)
	}
	s.signUp("root", "password-root")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	v, err := remote.New(ctx, s.URL, remote.Options{Logger: slog.New(slog.DiscardHandler),
		Token: remote.PasswordToken(nil, s.URL, "root", "password-root")})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	alice := s.user("alice")
	t.Run("Valid", func(t *testing.T) {
		if _, err := v.Verify(t.Context(), alice.AccessToken); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("StreamOutlivesTimeouts", func(t *testing.T) {
		time.Sleep(time.Second)
		if !v.Ready() {
			t.Fatal("the stream was cut")
		}
	})
	t.Run("CancelLearned", func(t *testing.T) {
		expect(t, s.do("POST", "/tokens/cancel", alice.AccessToken, nil), 204, "cancel")
		deadline := time.Now().Add(time.Second)
		for _, err := v.Verify(t.Context(), alice.AccessToken); tokenmanager.ErrorCode(err) != tokenmanager.EInvalidToken; _, err = v.Verify(t.Context(), alice.AccessToken) {
			if time.Now().After(deadline) {
				t.Fatalf("still accepted a second after the cancel: %v", err)
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
	t.Run("ShutdownWithStreamOpen", func(t *testing.T) {
		start := time.Now()
		s.Main.Close()
		if took := time.Since(start); took > 3*time.Second {
			t.Fatalf("Close took %v with an event stream open", took)
		}
	})
}

// TestEventsAcrossInstances: a cancellation made on one instance reaches
// the event stream of another through the shared store's feed.
func TestEventsAcrossInstances(t *testing.T) {
	rs := redistest.Start(t)
	a, b := startShared(t, rs.URL()), startShared(t, rs.URL())
	b.signUp("root", "password-root")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	v, err := remote.New(ctx, b.URL, remote.Options{Logger: slog.New(slog.DiscardHandler),
		Token: remote.PasswordToken(nil, b.URL, "root", "password-root")})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	alice := a.user("alice")
	if _, err := v.Verify(t.Context(), alice.AccessToken); err != nil {
		t.Fatal(err)
	}
	expect(t, a.do("POST", "/tokens/cancel", alice.AccessToken, nil), 204, "cancel on A")
	start := time.Now()
	for _, err := v.Verify(t.Context(), alice.AccessToken); tokenmanager.ErrorCode(err) != tokenmanager.EInvalidToken; _, err = v.Verify(t.Context(), alice.AccessToken) {
		if time.Since(start) > 2*time.Second {
			t.Fatalf("B's stream did not carry A's cancellation: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("A's cancellation reached a subscriber of B after %v", time.Since(start))
}

func TestPublicURL(t *testing.T) {
	tests := []struct {
		name, flag, want string
	}{
		{"FromHost", "", "http://127.0.0.1"},
		{"Flag", "https://auth.example.com", "https://auth.example.com/oauth/revoke"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var flags []string
			if tt.flag != "" {
				flags = []string{"--public-url", tt.flag}
			}
			s := startServer(t, t.TempDir(), flags...)
			r := s.do("GET", "/.well-known/oauth-authorization-server", "", nil)
			expect(t, r, http.StatusOK, "metadata")
			var m struct {
				Revocation string `json:"revocation_endpoint"`
			}
			if err := json.Unmarshal(r.Body, &m); err != nil || len(m.Revocation) < len(tt.want) || m.Revocation[:len(tt.want)] != tt.want {
				t.Fatalf("revocation_endpoint = %q, want it to start with %q", m.Revocation, tt.want)
			}
		})
	}
}

func TestPublicURLRefused(t *testing.T) {
	for _, bad := range []string{"auth.example.com", "ftp://x", "https://x/?q=1", "https://"} {
		t.Run(bad, func(t *testing.T) {
			if _, _, err := parseConfig("serve", []string{"--public-url", bad}, func(string) string { return "" }); err == nil {
				t.Fatalf("--public-url %q accepted", bad)
			}
		})
	}
}
