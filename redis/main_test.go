package redis

import (
	"context"
	"os"
	"testing"

	goredis "github.com/redis/go-redis/v9"
)

// silent drops go-redis's own log lines (a dial failure per attempt while
// a test keeps Redis down); the store's slog output says the same once.
type silent struct{}

func (silent) Printf(context.Context, string, ...any) {}

func TestMain(m *testing.M) {
	goredis.SetLogger(silent{})
	os.Exit(m.Run())
}
