package remote_test

import (
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/remote"
)

// staleMargin is how late past MaxStaleness after the server's last
// confirmation a Verifier may still answer: the heartbeat's transit and
// the polling on a loaded machine.
const staleMargin = 250 * time.Millisecond

// TestFailsClosedFromServerConfirmation: the server's replica stops being
// confirmed (its store went silent) while the stream stays open, or the
// server notices and says stale; either way the Verifier answers until
// MaxStaleness after the server's last confirmation and no later (issue
// 17: remote failed open for as long as the server was cut off).
func TestFailsClosedFromServerConfirmation(t *testing.T) {
	const maxStale = 400 * time.Millisecond
	for _, tc := range []struct {
		name   string
		notice bool // the server's replica sees itself cut off
	}{
		{"StreamStaysOpen", false},
		{"ServerSaysStale", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t)
			rep := s.mgr.Replica()
			rep.Confirm(time.Now())
			v := connect(t, s, remote.Options{RetryDelay: 10 * time.Millisecond, MaxStaleness: maxStale})
			tok := s.issue(t, "ivan")
			confirmed := time.Now()
			rep.Confirm(confirmed) // the last one
			if tc.notice {
				rep.Live(false)
			}
			var lastOK time.Time
			var err error
			for time.Since(confirmed) < maxStale+time.Second {
				at := time.Now()
				if _, err = v.Verify(t.Context(), tok); err == nil {
					lastOK = at
				}
				time.Sleep(time.Millisecond)
			}
			if late := lastOK.Sub(confirmed); late > maxStale+staleMargin {
				t.Errorf("answered %v after the server's last confirmation, want at most %v + %v", late, maxStale, staleMargin)
			}
			if tokenmanager.ErrorCode(err) != tokenmanager.EUnavailable {
				t.Errorf("Verify = %v, want EUnavailable", err)
			}
			if v.Ready() {
				t.Error("Ready while the server's confirmation is stale")
			}
		})
	}
}
