package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// testServer is a real server (the same Main as `tokenmanager serve`) on
// 127.0.0.1:0 with its data in a temporary directory.
type testServer struct {
	t    *testing.T
	Main *Main
	URL  string
	Dir  string
}

// startServer starts a server with the given extra flags.
func startServer(t *testing.T, dir string, flags ...string) *testServer {
	t.Helper()
	args := append([]string{"--addr", "127.0.0.1:0", "--data-dir", dir, "--admins", "root",
		"--log-level", "error"}, flags...)
	c, _, err := parseConfig("serve", args, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	m := &Main{Config: c, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), fastArgon: true}
	if err := m.Open(context.Background()); err != nil {
		m.Close()
		t.Fatal(err)
	}
	s := &testServer{t: t, Main: m, URL: "http://" + m.Addr(), Dir: dir}
	t.Cleanup(func() { m.Close() })
	return s
}

// response is an HTTP answer read whole.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map.
func (r *response) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.Body, err)
	}
	return m
}

// do sends a request; body is JSON-encoded unless it is url.Values (a form)
// or a string (sent as it is).
func (s *testServer) do(method, path, bearer string, body any) *response {
	s.t.Helper()
	var rd io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", ctype)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	req.Header.Set("User-Agent", "e2e-test")
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// expect fails the test unless r has the status.
func expect(t *testing.T, r *response, status int, what string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d; body %s", what, r.Status, status, r.Body)
	}
	if status == 401 && !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("%s: 401 without a Bearer WWW-Authenticate header: %v", what, r.Header)
	}
	if status >= 400 {
		var e struct{ Error, ErrorDescription string }
		if json.Unmarshal(r.Body, &e) != nil || e.Error == "" {
			t.Fatalf("%s: error body %q is not {\"error\",\"error_description\"}", what, r.Body)
		}
	}
}

// tokens is a token response.
type tokens struct {
	AccessToken      string `json:"access_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	RefreshToken     string `json:"refresh_token"`
	RefreshExpiresIn int64  `json:"refresh_expires_in"`
	SessionID        string `json:"session_id"`
}

func (s *testServer) signUp(name, password string) {
	s.t.Helper()
	expect(s.t, s.do("POST", "/sign-up", "", map[string]string{"username": name, "password": password}), 201, "sign-up "+name)
}

func (s *testServer) signIn(name, password string) tokens {
	s.t.Helper()
	r := s.do("POST", "/sign-in", "", map[string]string{"username": name, "password": password})
	expect(s.t, r, 200, "sign-in "+name)
	return decodeTokens(s.t, r)
}

func decodeTokens(t *testing.T, r *response) tokens {
	t.Helper()
	var tk tokens
	if err := json.Unmarshal(r.Body, &tk); err != nil || tk.AccessToken == "" || tk.RefreshToken == "" ||
		tk.TokenType != "Bearer" || tk.SessionID == "" || tk.ExpiresIn <= 0 || tk.RefreshExpiresIn <= 0 {
		t.Fatalf("bad token response %s (%v)", r.Body, err)
	}
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Fatalf("token response without Cache-Control: no-store (%q)", cc)
	}
	return tk
}

// user signs up (if needed) and in.
func (s *testServer) user(name string) tokens {
	s.t.Helper()
	if r := s.do("POST", "/sign-up", "", map[string]string{"username": name, "password": "password-" + name}); r.Status != 201 && r.Status != 409 {
		s.t.Fatalf("sign-up %s: %d %s", name, r.Status, r.Body)
	}
	return s.signIn(name, "password-"+name)
}

// account calls GET /account and returns the status.
func (s *testServer) account(access string) int {
	s.t.Helper()
	return s.do("GET", "/account", access, nil).Status
}
