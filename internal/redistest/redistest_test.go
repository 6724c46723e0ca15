package redistest

import (
	"strings"
	"testing"
	"time"
)

func TestStartRestartKeepsAOF(t *testing.T) {
	s := Start(t, WithAOF(), WithPassword("s3cret"))
	s.MustDo("SET", "k", "v")
	s.Kill()
	if s.Running() {
		t.Fatal("server still running after Kill")
	}
	s.Restart()
	if v := s.MustDo("GET", "k"); v != "v" {
		t.Fatalf("GET k after restart = %v, want v", v)
	}
	if _, err := Do(s.Addr(), "", "GET", "k"); err == nil {
		t.Fatal("GET without the password succeeded")
	}
	if !strings.HasPrefix(s.URL(), "redis://:s3cret@127.0.0.1:") {
		t.Fatalf("URL = %q", s.URL())
	}
}

func TestPauseResume(t *testing.T) {
	s := Start(t)
	s.Pause()
	if _, err := DoTimeout(s.Addr(), "", 200*time.Millisecond, "PING"); err == nil {
		t.Fatal("PING answered while paused")
	}
	s.Resume()
	if v := s.MustDo("PING"); v != "PONG" {
		t.Fatalf("PING = %v", v)
	}
}

func TestCluster(t *testing.T) {
	c := StartCluster(t)
	if !strings.HasPrefix(c.URL(), "redis+cluster://127.0.0.1:") || len(c.Addrs()) != 3 {
		t.Fatalf("URL = %q", c.URL())
	}
}

func TestSentinel(t *testing.T) {
	g := StartSentinel(t)
	g.Primary.MustDo("SET", "k", "v")
	if !strings.HasSuffix(g.URL(), "/"+MasterName) {
		t.Fatalf("URL = %q", g.URL())
	}
}

func TestTLS(t *testing.T) {
	s := Start(t, WithTLS())
	if v := s.MustDo("PING"); v != "PONG" {
		t.Fatalf("PING over TLS = %v", v)
	}
	if _, err := DoTimeout(s.Addr(), "", 500*time.Millisecond, "PING"); err == nil {
		t.Fatal("a plain-text PING was answered by a TLS-only server")
	}
	if !strings.HasPrefix(s.URL(), "rediss://127.0.0.1:") || s.TLSConfig() == nil {
		t.Fatalf("URL = %q, TLSConfig = %v", s.URL(), s.TLSConfig())
	}
}
