package http_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

// nextOfType returns the next event of type typ, skipping others.
func (s *stream) nextOfType(t *testing.T, typ string) sseEvent {
	t.Helper()
	for {
		if ev := s.next(t); ev.Type == typ {
			return ev
		}
	}
}

// TestEventsVouchOnlyWhileInStep: the stream's heartbeats carry the age of
// the replica's last confirmation; once the replica is cut off, the stream
// says stale and ends, and a new stream is refused (503) until the replica
// is back (issue 17: the stream tells the truth).
func TestEventsVouchOnlyWhileInStep(t *testing.T) {
	e := newEnv(t)
	root := e.user(t, "root")
	rep := e.mgr.Replica()
	rep.Confirm(time.Now())
	s := e.openStream(t, root.AccessToken, "?heartbeat=100ms")
	t.Run("HeartbeatCarriesAge", func(t *testing.T) {
		var hb tmhttp.HeartbeatEvent
		if err := json.Unmarshal([]byte(s.nextOfType(t, tmhttp.EventHeartbeat).Data), &hb); err != nil {
			t.Fatal(err)
		}
		if age := time.Duration(hb.ConfirmedAgo) * time.Millisecond; age < rep.Staleness()-time.Second || age > rep.Staleness()+time.Second {
			t.Fatalf("heartbeat age %v, replica's %v", age, rep.Staleness())
		}
	})
	rep.Live(false)
	t.Run("StaleThenEnd", func(t *testing.T) {
		s.nextOfType(t, tmhttp.EventStale)
		s.wantEnd(t)
	})
	t.Run("ReconnectRefused", func(t *testing.T) {
		wantError(t, e.call(t, "GET", "/events/cancellations", nil, "Bearer", root.AccessToken), http.StatusServiceUnavailable, tokenmanager.EUnavailable)
	})
	t.Run("BackInStep", func(t *testing.T) {
		rep.Confirm(time.Now())
		rep.Live(true)
		e.openStream(t, root.AccessToken, "?heartbeat=100ms").nextOfType(t, tmhttp.EventHeartbeat)
	})
}

// TestEventsStaleWhenConfirmationsStop: a replica that is live by its
// feed's word but whose last confirmation is older than MaxStaleness is
// not vouched for either.
func TestEventsStaleWhenConfirmationsStop(t *testing.T) {
	e := newEnv(t)
	root := e.user(t, "root")
	rep := e.mgr.Replica()
	rep.MaxStaleness = 300 * time.Millisecond
	rep.Confirm(time.Now())
	s := e.openStream(t, root.AccessToken, "?heartbeat=100ms")
	start := time.Now()
	s.nextOfType(t, tmhttp.EventStale)
	if took := time.Since(start); took > rep.MaxStaleness+time.Second {
		t.Fatalf("stale after %v", took)
	}
	s.wantEnd(t)
}

func TestEventsHeartbeatParam(t *testing.T) {
	e := newEnv(t)
	root := e.user(t, "root")
	for _, q := range []string{"?heartbeat=soon", "?heartbeat=-1s", "?heartbeat=0"} {
		t.Run(q, func(t *testing.T) {
			wantError(t, e.call(t, "GET", "/events/cancellations"+q, nil, "Bearer", root.AccessToken), http.StatusBadRequest, tokenmanager.EInvalid)
		})
	}
}

// TestEventsReaderThatDoesNotRead: a reader that stops reading is dropped
// once a write has blocked for the Hub's WriteTimeout, and its backlog
// with it, instead of being held forever.
func TestEventsReaderThatDoesNotRead(t *testing.T) {
	const timeout = 300 * time.Millisecond
	e := newEnv(t, func(s *setup) {
		s.server = func(srv *tmhttp.Server) { srv.Events = &tmhttp.Hub{Buffer: 1 << 20, WriteTimeout: timeout} }
	})
	root := e.user(t, "root")
	conn := dialTinyWindow(t, e.Listener.Addr().String())
	fmt.Fprintf(conn, "GET /events/cancellations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", root.AccessToken)
	waitUntil(t, 2*time.Second, "the stream opened", func() bool { return e.srv.Events.Subscribers() == 1 })
	exp := time.Now().Add(time.Hour)
	id := strings.Repeat("x", 200)
	var full time.Time
	for i := 0; e.srv.Events.Subscribers() > 0; i++ {
		if i == 200_000 {
			t.Fatal("200,000 events published and the reader is still there")
		}
		e.srv.Events.Publish(tokenmanager.Cancellation{Kind: tokenmanager.KindSession, ID: fmt.Sprint(id, i), ExpiresAt: exp})
		if i%1000 == 999 {
			full = time.Now()
			time.Sleep(time.Millisecond) // let the stream write, and block
		}
	}
	t.Logf("dropped %v after the last batch", time.Since(full))
}

// dialTinyWindow connects with a small receive buffer, so that a reader
// that does not read blocks the server's writes soon.
func dialTinyWindow(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		_ = c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return err
	}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// waitUntil polls cond every few milliseconds, failing after within.
func waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
	}
}
