// Command stdlib protects a route of the standard library's ServeMux with
// TokenManager's middleware.
//
//	go run ./stdlib          # prints a token, then serves :8081
//	curl -H "Authorization: Bearer $TOKEN" localhost:8081/hello
package main

import (
	"fmt"
	"net/http"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/examples/setup"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

// routes is the whole integration: the middleware is a plain
// func(http.Handler) http.Handler.
func routes(m *tokenmanager.Manager) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /hello", tmhttp.Authenticate(m)(http.HandlerFunc(hello)))
	return mux
}

// hello greets the token's subject, read from the request's context.
func hello(w http.ResponseWriter, r *http.Request) {
	claims, _ := tmhttp.ClaimsFrom(r.Context())
	fmt.Fprintf(w, "hello %s\n", claims.Subject)
}

func main() { setup.Serve(routes) }
