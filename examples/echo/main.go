// Command echo protects echo routes with TokenManager's middleware,
// through echo's own adapter for net/http middleware.
//
//	go run ./echo            # prints a token, then serves :8081
package main

import (
	"context"
	"log"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/examples/internal/demo"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
	"github.com/tokenmanager/tokenmanager/service"
)

// routes puts the middleware, wrapped by echo.WrapMiddleware, in front of
// an echo route group.
func routes(v tokenmanager.Verifier) http.Handler {
	e := echo.New()
	e.HideBanner = true
	api := e.Group("", echo.WrapMiddleware(tmhttp.Authenticate(v)))
	api.GET("/hello", hello)
	return e
}

// hello greets the token's subject, read from the request's context.
func hello(c echo.Context) error {
	claims := tmhttp.Claims(c.Request())
	return c.String(http.StatusOK, "hello "+claims.Subject+"\n")
}

func main() {
	svc, err := service.Open(context.Background(), "bolt:data/tokens.db", service.Options{Issuer: "https://auth.example"})
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	demo.Serve(svc, routes(svc))
}
