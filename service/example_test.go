package service_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/tokenmanager/tokenmanager"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
	"github.com/tokenmanager/tokenmanager/service"
)

// A service with its own users: one call opens the store (the embedded
// one here; "redis://…" for many instances), and the middleware protects
// a handler that reads the claims in one line.
func Example() {
	dir, _ := os.MkdirTemp("", "tokenmanager-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	svc, err := service.Open(ctx, "bolt:"+filepath.Join(dir, "tokens.db"), service.Options{Issuer: "https://auth.example"})
	if err != nil {
		panic(err)
	}
	defer svc.Close()
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello", tmhttp.Claims(r).Subject)
	})
	mux := http.NewServeMux()
	mux.Handle("/api/", tmhttp.Authenticate(svc)(api))

	pair, _ := svc.Issue(ctx, "user-42", tokenmanager.SessionMeta{}) // at sign-in
	get := func() {
		req := httptest.NewRequest("GET", "/api/hello", nil)
		req.Header.Set("Authorization", "Bearer "+pair.AccessToken)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		fmt.Print(rec.Code, " ", rec.Body.String())
	}
	get()
	_ = svc.CancelSubject(ctx, "user-42") // sign the user out everywhere
	get()
	// Output:
	// 200 hello user-42
	// 401 {"error":"invalid_token","error_description":"the token has been cancelled (subject)"}
}
