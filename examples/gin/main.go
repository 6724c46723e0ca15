// Command gin protects gin routes with TokenManager's middleware, through
// a five-line adapter from net/http middleware to a gin.HandlerFunc.
//
//	go run ./gin             # prints a token, then serves :8081
package main

import (
	"context"
	"log"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/examples/internal/demo"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
	"github.com/tokenmanager/tokenmanager/service"
)

// routes puts the middleware in front of a gin route group.
func routes(v tokenmanager.Verifier) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	api := r.Group("/", wrap(tmhttp.Authenticate(v)))
	api.GET("/hello", hello)
	return r
}

// wrap adapts net/http middleware to gin. gin.WrapH would end the chain,
// so the request the middleware passes on (with the verified claims in
// its context) becomes gin's request and the chain goes on; when the
// middleware answers by itself (a 401), the chain is aborted.
func wrap(mw func(http.Handler) http.Handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		passed := false
		mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			passed, c.Request = true, r
			c.Next()
		})).ServeHTTP(c.Writer, c.Request)
		if !passed {
			c.Abort()
		}
	}
}

// hello greets the token's subject, read from the request's context.
func hello(c *gin.Context) {
	claims := tmhttp.Claims(c.Request)
	c.String(http.StatusOK, "hello %s\n", claims.Subject)
}

func main() {
	svc, err := service.Open(context.Background(), "bolt:data/tokens.db", service.Options{Issuer: "https://auth.example"})
	if err != nil {
		log.Fatal(err)
	}
	defer svc.Close()
	demo.Serve(svc, routes(svc))
}
