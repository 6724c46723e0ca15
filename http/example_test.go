package http_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tokenmanager/tokenmanager"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
	"github.com/tokenmanager/tokenmanager/jose"
	"github.com/tokenmanager/tokenmanager/service"
)

// exampleManager opens a Manager on an embedded store in a temporary
// directory with the service package's one call (the directory is left
// to the system's temporary-file cleaning: examples cannot defer).
func exampleManager() *service.Service {
	dir, err := os.MkdirTemp("", "tokenmanager-example")
	if err != nil {
		panic(err)
	}
	svc, err := service.Open(context.Background(), "bolt:"+filepath.Join(dir, "tokens.db"), service.Options{Issuer: "https://auth.example"})
	if err != nil {
		panic(err)
	}
	return svc
}

// show prints the status and either the body or the challenge.
func show(h http.Handler, r *http.Request) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if ch := w.Header().Get("WWW-Authenticate"); ch != "" {
		fmt.Println(w.Code, ch)
		return
	}
	fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
}

func bearer(token string) *http.Request {
	r := httptest.NewRequest("GET", "/hello", nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return r
}

// Protect a handler: only requests with a valid, uncancelled access token
// reach it, and it reads the verified claims from the context.
func ExampleAuthenticate() {
	ctx := context.Background()
	mgr := exampleManager()
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := tmhttp.ClaimsFrom(r.Context())
		fmt.Fprintf(w, "hello %s", claims.Subject)
	})
	h := tmhttp.Authenticate(mgr)(hello)

	pair, _ := mgr.Issue(ctx, "alice", tokenmanager.SessionMeta{})
	show(h, bearer(pair.AccessToken))

	claims, _ := mgr.Verify(ctx, pair.AccessToken)
	_ = mgr.CancelToken(ctx, claims) // rejected from the moment this returns
	show(h, bearer(pair.AccessToken))
	show(h, bearer(""))
	// Output:
	// 200 hello alice
	// 401 Bearer error="invalid_token", error_description="the token has been cancelled (token)"
	// 401 Bearer realm="tokenmanager"
}

// Serve anonymous and signed-in users from one handler: Verify alone
// never refuses, it only tells.
func ExampleVerify() {
	mgr := exampleManager()
	h := tmhttp.Verify(mgr)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if claims, ok := tmhttp.ClaimsFrom(r.Context()); ok {
			fmt.Fprintf(w, "welcome back, %s", claims.Subject)
			return
		}
		if err := tmhttp.ErrorFrom(r.Context()); !errors.Is(err, tmhttp.ErrNoToken) {
			tmhttp.Error(w, r, err) // a token was sent, and it is bad: say so
			return
		}
		fmt.Fprint(w, "welcome, stranger")
	}))
	pair, _ := mgr.Issue(context.Background(), "bob", tokenmanager.SessionMeta{})
	show(h, bearer(pair.AccessToken))
	show(h, bearer(""))
	show(h, bearer("not.a.token"))
	// Output:
	// 200 welcome back, bob
	// 200 welcome, stranger
	// 401 Bearer error="invalid_token", error_description="the token is malformed"
}

// Accept the token from a cookie as well as from the Authorization header.
func ExampleFromCookie() {
	mgr := exampleManager()
	h := tmhttp.Authenticate(mgr, tmhttp.FromAuthorizationHeader, tmhttp.FromCookie("access_token"))(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	pair, _ := mgr.Issue(context.Background(), "carol", tokenmanager.SessionMeta{})
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "access_token", Value: pair.AccessToken})
	show(h, r)
	// Output:
	// 200 ok
}

// Write every error of a handler the same way: the status comes from the
// error's code, the client reads only the client-safe message.
func ExampleError() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tmhttp.Error(w, r, tokenmanager.Errorf(tokenmanager.ENotFound, "no such order"))
	})
	show(h, httptest.NewRequest("GET", "/orders/7", nil))
	// Output:
	// 404 {"error":"not_found","error_description":"no such order"}
}

// Wire the whole server: this is what cmd/tokenmanager does with its
// flags, its store (bolt or Redis) and its key set.
func ExampleServer() {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	store := newMemStore()
	ks, _ := store.InitKeySet(ctx, must(jose.NewKeySet(jose.DefaultAlg)))
	codec := must(jose.NewCodec(ks, jose.Options{Issuer: "https://auth.example"}))
	replica := tokenmanager.NewReplica(store, nil, nil) // the store's Feed, when it has one
	go replica.Run(ctx, store.Ping)
	mgr := tokenmanager.NewManager(tokenmanager.Config{Issuer: "https://auth.example"}, codec, store, replica, ks.RefreshKey, nil)
	srv := &tmhttp.Server{
		Manager:  mgr,
		Accounts: tokenmanager.NewAccounts(store, tokenmanager.NewLimiter(tokenmanager.Limit{N: 10, Window: 15 * time.Minute}, nil), fastArgon),
		JWKS:     func() any { return codec.JWKS() },
		Admins:   []string{"root"},
		Logger:   slog.New(slog.DiscardHandler),
		Registry: prometheus.NewRegistry(),
		Version:  "v1.0.0",
	}
	// Serve srv.Handler() with an http.Server, and srv.AdminHandler() on a
	// 0600 Unix socket.
	r := httptest.NewRequest("POST", "/sign-up", strings.NewReader(`{"username":"Dave","password":"a long password"}`))
	w := httptest.NewRecorder()
	srv.Handler().ServeHTTP(w, r)
	fmt.Println(w.Code, w.Header().Get("Location"))
	// Output:
	// 201 /account
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
