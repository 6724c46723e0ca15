// Command echo protects echo routes with TokenManager's middleware,
// through echo's own adapter for net/http middleware.
//
//	go run ./echo            # prints a token, then serves :8081
package main

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/examples/setup"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

// routes puts the middleware, wrapped by echo.WrapMiddleware, in front of
// an echo route group.
func routes(m *tokenmanager.Manager) http.Handler {
	e := echo.New()
	e.HideBanner = true
	api := e.Group("", echo.WrapMiddleware(tmhttp.Authenticate(m)))
	api.GET("/hello", hello)
	return e
}

// hello greets the token's subject, read from the request's context.
func hello(c echo.Context) error {
	claims, _ := tmhttp.ClaimsFrom(c.Request().Context())
	return c.String(http.StatusOK, "hello "+claims.Subject+"\n")
}

func main() { setup.Serve(routes) }
