package remote_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	tmhttp "github.com/tokenmanager/tokenmanager/http"
	"github.com/tokenmanager/tokenmanager/remote"
)

// Protect another service's routes with the tokens of a TokenManager
// server, knowing only its URL: the keys come from its JWKS, the
// cancellations from its event stream (as the admin "gateway").
func ExampleNew() {
	const server = "https://auth.example.com"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := remote.New(ctx, server, remote.Options{
		Issuer: server, // the server's --issuer
		Token:  remote.PasswordToken(nil, server, "gateway", os.Getenv("GATEWAY_PASSWORD")),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	mux := http.NewServeMux()
	mux.Handle("GET /orders", tmhttp.Authenticate(v)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := tmhttp.ClaimsFrom(r.Context())
		fmt.Fprintln(w, "orders of", claims.Subject)
	})))
	log.Fatal(http.ListenAndServe(":8082", mux))
}
