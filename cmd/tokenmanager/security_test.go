package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The end-to-end cases of issue 5 that only the program can show: the
// http.Server's timeouts and header limit, the modes of the files it
// creates, and the HS256 secret file.

// openMain starts a server like startServer, after set has adjusted its
// Main, and returns Open's error instead of failing the test.
func openMain(t *testing.T, dir string, set func(*Main), flags ...string) (*testServer, error) {
	t.Helper()
	args := append([]string{"--addr", "127.0.0.1:0", "--data-dir", dir, "--admins", "root", "--log-level", "error"}, flags...)
	c, _, err := parseConfig("serve", args, func(string) string { return "" })
	if err != nil {
		return nil, err
	}
	m := &Main{Config: c, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), fastArgon: true}
	if set != nil {
		set(m)
	}
	if err := m.Open(context.Background()); err != nil {
		m.Close()
		return nil, err
	}
	t.Cleanup(func() { m.Close() })
	return &testServer{t: t, Main: m, URL: "http://" + m.Addr(), Dir: dir}, nil
}

// rawExchange sends raw on a new TCP connection and reads until the
// server closes it; it fails the test if the server has not closed it
// within wait. It returns what the server sent and when it closed.
func rawExchange(t *testing.T, addr, raw string, wait time.Duration) (string, time.Duration) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(start.Add(wait))
	got, err := io.ReadAll(conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server kept the connection open for %s (read %q)", wait, got)
	}
	return string(got), time.Since(start)
}

// TestSlowClients: a client that sends its header or its body too slowly
// has its connection closed at the read timeouts (ReadHeaderTimeout and
// ReadTimeout of newHTTPServer, shortened here), and never gets a 5xx.
func TestSlowClients(t *testing.T) {
	const header, whole = 300 * time.Millisecond, 600 * time.Millisecond
	s, err := openMain(t, t.TempDir(), func(m *Main) { m.readHeaderTimeout, m.readTimeout = header, whole })
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, send string
		timeout    time.Duration
		answer     string // the start of the response, if any
	}{
		{"NothingSent", "", header, ""},
		{"PartialHeader", "GET /healthz HTTP/1.1\r\nHost: tm\r\nX-Slow: ", header, ""},
		{"PartialBody", "POST /sign-up HTTP/1.1\r\nHost: tm\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"username\":", whole, "HTTP/1.1 400"},
		{"CompleteRequestServed", "GET /healthz HTTP/1.1\r\nHost: tm\r\nConnection: close\r\n\r\n", 0, "HTTP/1.1 200"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, took := rawExchange(t, s.Main.Addr(), tc.send, tc.timeout+5*time.Second)
			if !strings.HasPrefix(got, tc.answer) {
				t.Fatalf("answer %.80q, want %q", got, tc.answer)
			}
			if took < tc.timeout/2 || took > tc.timeout+3*time.Second {
				t.Fatalf("closed after %s, want about %s", took, tc.timeout)
			}
		})
	}
}

// TestOversizedHeaders: headers over the server's MaxHeaderBytes (32 KiB)
// are refused by net/http with 431 before any handler runs; an
// Authorization header over 8 KiB is refused by the handler with 413.
func TestOversizedHeaders(t *testing.T) {
	s := startServer(t, t.TempDir())
	for _, tc := range []struct{ name, headers, answer string }{
		{"OneHeaderOver32KiB", "X-Pad: " + strings.Repeat("a", 40<<10) + "\r\n", "HTTP/1.1 431"},
		{"ManyHeaders", strings.Repeat("X-Pad: aaaaaaaaaaaaaaaaaaaa\r\n", 2000), "HTTP/1.1 431"},
		{"AuthorizationOver8KiB", "Authorization: Bearer " + strings.Repeat("a", 16<<10) + "\r\n", "HTTP/1.1 413"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := rawExchange(t, s.Main.Addr(), "GET /account HTTP/1.1\r\nHost: tm\r\nConnection: close\r\n"+tc.headers+"\r\n", 10*time.Second)
			if line, _, _ := strings.Cut(got, "\r\n"); !strings.HasPrefix(line, tc.answer) {
				t.Fatalf("status line %q, want %s", line, tc.answer)
			}
		})
	}
}

// TestFileModes: the data directory is 0700, the database and the admin
// socket 0600, and nothing in the directory is open to others.
func TestFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // created by the server
	startServer(t, dir).user("alice")
	for _, tc := range []struct {
		name, path string
		want       os.FileMode
	}{
		{"DataDir", dir, 0o700},
		{"Database", filepath.Join(dir, "tokenmanager.db"), 0o600},
		{"AdminSocket", filepath.Join(dir, "admin.sock"), 0o600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fi, err := os.Stat(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != tc.want {
				t.Fatalf("mode %o, want %o", fi.Mode().Perm(), tc.want)
			}
		})
	}
	t.Run("NothingOpenToOthers", func(t *testing.T) {
		filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
			if err == nil && fi.Mode().Perm()&0o077 != 0 {
				t.Errorf("%s is mode %o", path, fi.Mode().Perm())
			}
			return err
		})
	})
}

// TestHS256SecretFile: an operator-supplied HS256 secret shorter than 32
// bytes (after trimming) stops the start with an error naming the flag; a
// good one is shared by instances with nothing else in common.
func TestHS256SecretFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	short := string(randomText(t, 31))
	good := write("good", base64.StdEncoding.EncodeToString(randomText(t, 48))+"\n")
	for _, tc := range []struct{ name, path, alg string }{
		{"Missing", filepath.Join(dir, "missing"), "HS256"},
		{"Empty", write("empty", ""), "HS256"},
		{"TooShort", write("short", short), "HS256"},
		{"TooShortOnceTrimmed", write("padded", "\n  "+short+"  \n\n"), "HS256"},
		{"WithoutAlgHS256", good, "EdDSA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := openMain(t, t.TempDir(), nil, "--alg", tc.alg, "--hs256-secret-file", tc.path)
			if err == nil || !strings.Contains(err.Error(), "--hs256-secret-file") {
				t.Fatalf("start: %v, want an error naming --hs256-secret-file", err)
			}
		})
	}
	t.Run("SharedByInstances", func(t *testing.T) {
		flags := []string{"--alg", "HS256", "--hs256-secret-file", good, "--issuer", "https://tm.test"}
		a, err := openMain(t, t.TempDir(), nil, flags...)
		if err != nil {
			t.Fatal(err)
		}
		b, err := openMain(t, t.TempDir(), nil, flags...)
		if err != nil {
			t.Fatal(err)
		}
		tk := a.user("alice")
		expect(t, b.do("GET", "/auth/verify", tk.AccessToken, nil), 200, "token of instance A at instance B")
		if r := b.do("GET", "/.well-known/jwks.json", "", nil); strings.Contains(string(r.Body), `"kty"`) {
			t.Fatalf("the HS256 secret is published: %s", r.Body)
		}
	})
}

// randomText is n random printable bytes (a secret file is text).
func randomText(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = 'a' + b[i]%26
	}
	return b
}
