// Package demo is the part of every example that is not the integration:
// it prints a token for "alice" to try the route with, then serves until
// interrupted.
package demo

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/service"
)

// Serve prints a token issued by svc and serves h on --addr.
func Serve(svc *service.Service, h http.Handler) {
	addr := flag.String("addr", "localhost:8081", "listen address")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	pair, err := svc.Issue(ctx, "alice", tokenmanager.SessionMeta{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("curl -H 'Authorization: Bearer %s' http://%s/hello\n", pair.AccessToken, *addr)
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
