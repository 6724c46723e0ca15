package http

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// maxRequestID bounds an incoming X-Request-Id that is kept as it is.
const maxRequestID = 64

// quietRoutes are polled by machines; their access log is at debug level
// so that it does not drown the rest.
var quietRoutes = map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /metrics": true}

// observe gives each request an id (X-Request-Id, in the response too),
// a logger that carries it, and after the request an access log line and
// its metrics. label prefixes the route label.
func (s *Server) observe(label string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestID(r.Header.Get("X-Request-Id"))
		w.Header().Set("X-Request-Id", id)
		info := infoFrom(r.Context()) // made by fastForwardAuth, or not yet
		if info == nil {
			info = &requestInfo{}
			r = r.WithContext(context.WithValue(r.Context(), infoKey, info))
		}
		info.id, info.base = id, s.Logger
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		s.record(r, info, label, sw, time.Since(start))
	})
}

// record writes the access log line and the request metrics. Neither
// carries a token, a username or a query string.
func (s *Server) record(r *http.Request, info *requestInfo, label string, sw *statusWriter, d time.Duration) {
	route := "unmatched"
	if info.pattern != "" {
		route = label + info.pattern
	}
	code := sw.status()
	s.metrics.request(route, code, d)
	level := accessLevel(code, info.pattern, s.AccessLog)
	if !s.Logger.Enabled(r.Context(), level) {
		return
	}
	info.logger().LogAttrs(r.Context(), level, "http request",
		slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.String("route", route), slog.Int("status", code),
		slog.Int64("bytes", sw.bytes), slog.Duration("duration", d),
		slog.String("remote", r.RemoteAddr))
}

// accessLevel is the level of a request's access log line: refusals and
// errors at info and above; successes at info only with Server.AccessLog
// (a line per request costs more than the token check itself), and the
// routes machines poll always at debug.
func accessLevel(code int, pattern string, all bool) slog.Level {
	switch {
	case quietRoutes[pattern]:
		return slog.LevelDebug
	case code >= 500:
		return slog.LevelWarn
	case code >= 400 || all:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}

// requestID keeps an incoming id that is short and made of safe
// characters (so it cannot forge log lines), and makes a new one
// otherwise.
func requestID(in string) string {
	if in != "" && len(in) <= maxRequestID && isRequestID(in) {
		return in
	}
	var b [12]byte // unique, not secret: math/rand/v2 is enough and fast
	binary.LittleEndian.PutUint64(b[:], rand.Uint64())
	binary.LittleEndian.PutUint32(b[8:], rand.Uint32())
	return hex.EncodeToString(b[:])
}

func isRequestID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isB64TokenChar(c) || c == ':') {
			return false
		}
	}
	return true
}

// recoverPanics turns a panic in a handler into a logged 500 (with the
// stack as the cause, never sent), so one bad request cannot take the
// server's connection handling down with it. http.ErrAbortHandler passes
// through: it is how a handler aborts on purpose.
func recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			cause := fmt.Errorf("panic: %v\n%s", v, debug.Stack())
			if sw, ok := w.(*statusWriter); ok && sw.code != 0 {
				loggerFrom(r.Context()).Error("panic after the response started", "err", cause)
				return
			}
			Error(w, r, tokenmanager.Wrap(tokenmanager.EInternal, cause, "internal error"))
		}()
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status and the size of a response.
type statusWriter struct {
	http.ResponseWriter
	code  int
	bytes int64
}

// WriteHeader records the first final status.
func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 && code >= 200 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200 and counts the bytes.
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// status is the response's status; a handler that wrote nothing sent 200.
func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}
