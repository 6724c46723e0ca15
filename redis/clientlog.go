package redis

import (
	"context"
	"fmt"
	"log/slog"

	goredis "github.com/redis/go-redis/v9"
)

// RouteClientLogs sends go-redis's own log lines (one per failed dial while
// Redis is down, by default printed to stderr) to l at debug level: the
// store already logs each outage once, at warning level, with context. It
// is process-wide, because go-redis's logger is; a program calls it once
// at start.
func RouteClientLogs(l *slog.Logger) { goredis.SetLogger(slogPrinter{l}) }

// slogPrinter adapts a slog.Logger to go-redis's logging interface.
type slogPrinter struct{ l *slog.Logger }

// Printf logs one go-redis line.
func (p slogPrinter) Printf(ctx context.Context, format string, v ...any) {
	p.l.DebugContext(ctx, fmt.Sprintf(format, v...), "component", "go-redis")
}
