package http_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/tokenmanager/tokenmanager"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

// Put work between finding the token and refusing the request: here a
// log line for every refusal, with the reason Verify recorded.
func ExampleRequire() {
	mgr := exampleManager()
	logRefusals := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, ok := tmhttp.ClaimsFrom(r.Context()); !ok {
				fmt.Println("refused:", tokenmanager.ErrorMessage(tmhttp.ErrorFrom(r.Context())))
			}
			next.ServeHTTP(w, r)
		})
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	h := tmhttp.Verify(mgr)(logRefusals(tmhttp.Require(ok)))

	pair, _ := mgr.Issue(context.Background(), "erin", tokenmanager.SessionMeta{})
	show(h, bearer(pair.AccessToken))
	show(h, bearer("not.a.token"))
	// Output:
	// 200 ok
	// refused: the token is malformed
	// 401 Bearer error="invalid_token", error_description="the token is malformed"
}

// List what a Server serves: the routing table itself, which the OpenAPI
// document (GET /openapi.json) is tested against.
func ExampleServer_Routes() {
	srv := &tmhttp.Server{Manager: exampleManager().Manager, Logger: slog.New(slog.DiscardHandler)}
	routes := srv.Routes()
	fmt.Println(slices.Contains(routes, "GET /events/cancellations"), slices.Contains(routes, "GET /.well-known/oauth-authorization-server"))
	// Output:
	// true true
}
