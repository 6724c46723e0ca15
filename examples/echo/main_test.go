package main

import (
	"testing"

	"github.com/tokenmanager/tokenmanager/examples/internal/check"
)

func TestMiddleware(t *testing.T) { check.Middleware(t, routes) }
