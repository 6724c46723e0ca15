package redis

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	// Tests keep Redis down on purpose; go-redis would print a line per
	// failed dial.
	RouteClientLogs(quiet)
	os.Exit(m.Run())
}
