package setup

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
)

// Serve is the main of every example: it opens the Manager in ./data,
// prints a token for "alice" to try the route with, and serves the
// handler that routes builds until interrupted.
func Serve(routes func(*tokenmanager.Manager) http.Handler) {
	addr := flag.String("addr", "localhost:8081", "listen address")
	dir := flag.String("data-dir", "data", "store directory")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	m, closeStore, err := Open(ctx, *dir)
	if err != nil {
		log.Fatal(err)
	}
	defer closeStore()
	pair, err := m.Issue(ctx, "alice", tokenmanager.SessionMeta{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("curl -H 'Authorization: Bearer %s' http://%s/hello\n", pair.AccessToken, *addr)
	srv := &http.Server{Addr: *addr, Handler: routes(m), ReadHeaderTimeout: 5 * time.Second}
	go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
