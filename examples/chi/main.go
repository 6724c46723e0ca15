// Command chi protects a chi router's routes with TokenManager's
// middleware, which chi takes as it is (r.Use).
//
//	go run ./chi             # prints a token, then serves :8081
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/examples/internal/demo"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
	"github.com/tokenmanager/tokenmanager/service"
)

// routes puts the middleware on a group of routes: chi's middleware type
// is net/http's.
func routes(v tokenmanager.Verifier) http.Handler {
	r := chi.NewRouter()
	r.Group(func(r chi.Router) {
		r.Use(tmhttp.Authenticate(v))
		r.Get("/hello", hello)
	})
	return r
}

// hello greets the token's subject, read from the request's context.
func hello(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "hello %s\n", tmhttp.Claims(r).Subject)
}

func main() {
	svc, err := service.Open(context.Background(), "bolt:data/tokens.db", service.Options{Issuer: "https://auth.example"})
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	demo.Serve(svc, routes(svc))
}
