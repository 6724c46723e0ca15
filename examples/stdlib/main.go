// Command stdlib protects a route of the standard library's ServeMux with
// TokenManager's middleware.
//
//	go run ./stdlib          # prints a token, then serves :8081
//	curl -H "Authorization: Bearer $TOKEN" localhost:8081/hello
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/examples/internal/demo"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
	"github.com/tokenmanager/tokenmanager/service"
)

// routes is the whole integration: the middleware is a plain
// func(http.Handler) http.Handler.
func routes(v tokenmanager.Verifier) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /hello", tmhttp.Authenticate(v)(http.HandlerFunc(hello)))
	return mux
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
