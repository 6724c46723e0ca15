// Command chi protects a chi router's routes with TokenManager's
// middleware, which chi takes as it is (r.Use).
//
//	go run ./chi             # prints a token, then serves :8081
package main

import (
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/examples/setup"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

// routes puts the middleware on a group of routes: chi's middleware type
// is net/http's.
func routes(m *tokenmanager.Manager) http.Handler {
	r := chi.NewRouter()
	r.Group(func(r chi.Router) {
		r.Use(tmhttp.Authenticate(m))
		r.Get("/hello", hello)
	})
	return r
}

// hello greets the token's subject, read from the request's context.
func hello(w http.ResponseWriter, r *http.Request) {
	claims, _ := tmhttp.ClaimsFrom(r.Context())
	fmt.Fprintf(w, "hello %s\n", claims.Subject)
}

func main() { setup.Serve(routes) }
