package main

import (
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A server on the embedded store has nothing to wait for: from the first
// moment /healthz answers, every route answers as the contract says, and
// none answers 503 "the token store is unreachable" (issue 10, item 10).
func TestEmbeddedStoreIsReadyWhenItListens(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(binary(t), "serve", "--addr", addr, "--data-dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	client := &http.Client{Timeout: 2 * time.Second}
	base := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := client.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz never answered: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/readyz", ""},
		{"GET", "/.well-known/jwks.json", ""},
		{"POST", "/sign-in", `{"username":"nobody","password":"wrong password"}`},
		{"GET", "/account", ""},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
		if c.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", c.method, c.path, err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusServiceUnavailable {
			t.Errorf("%s %s right after /healthz first answered: 503", c.method, c.path)
		}
	}
}
