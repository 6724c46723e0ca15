package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/faultproxy"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
	"github.com/tokenmanager/tokenmanager/remote"
)

// TestFaultRemoteFollowsCutOffInstance (issue 17, "the stream tells the
// truth"): instances A and B, processes on one Redis, A behind its own
// link; a remote Verifier follows A's event stream. A's link drops every
// byte, then a token is cancelled on B. The Verifier must fail closed
// (EUnavailable: the middleware's 503) from its MaxStaleness after A's
// last confirmation, which came before the fault, and accept nothing
// later; it used to accept the cancelled token for as long as A was cut
// off, A's keep-alives vouching for a replica that was not live.
func TestFaultRemoteFollowsCutOffInstance(t *testing.T) {
	const maxStale = time.Second
	rs := redistest.Start(t, redistest.WithAOF())
	link := faultproxy.Start(t, rs.Addr())
	a := startProcess(t, t.TempDir(), "--store", "redis://"+link.Addr()+"/0", "--max-staleness", "1s")
	b := startProcess(t, t.TempDir(), "--store", rs.URL(), "--max-staleness", "1s")
	for _, p := range []*process{a, b} {
		p.waitStatus("/readyz", "", 200, 30*time.Second)
	}
	a.signUp("root", "password-root")
	victim, control := b.user("victim"), b.user("control")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	v, err := remote.New(ctx, a.URL, remote.Options{MaxStaleness: maxStale, RetryDelay: 50 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler), Token: remote.PasswordToken(nil, a.URL, "root", "password-root")})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if _, err := v.Verify(t.Context(), victim.AccessToken); err != nil {
		t.Fatalf("before the fault: %v", err)
	}

	start := time.Now()
	link.Blackhole(true)
	expect(t, b.do("POST", "/tokens/cancel", victim.AccessToken, nil), 204, "cancel on B")
	// A's last confirmation, asked once the fault has begun (its status
	// may wait on the store, so not in the loop).
	confirmedC := make(chan time.Time, 1)
	go func() {
		time.Sleep(300 * time.Millisecond)
		confirmedC <- lastConfirmation(t, a.Dir)
	}()
	var lastOK time.Time
	for time.Since(start) < maxStale+1500*time.Millisecond {
		at := time.Now()
		_, err1 := v.Verify(t.Context(), victim.AccessToken)
		_, err2 := v.Verify(t.Context(), control.AccessToken)
		if err1 == nil || err2 == nil {
			lastOK = at
		}
		time.Sleep(2 * time.Millisecond)
	}
	confirmed := <-confirmedC
	t.Logf("REMOTE A confirmed %v before the fault; the Verifier answered until %v after it (MaxStaleness %v)",
		start.Sub(confirmed).Round(time.Millisecond), lastOK.Sub(start).Round(time.Millisecond), maxStale)
	if late := lastOK.Sub(confirmed); late > maxStale+staleMargin {
		t.Errorf("the Verifier answered %v after A's last confirmation, want at most %v + %v", late, maxStale, staleMargin)
	}
	if _, err := v.Verify(t.Context(), control.AccessToken); tokenmanager.ErrorCode(err) != tokenmanager.EUnavailable {
		t.Errorf("Verify with A cut off = %v, want EUnavailable", err)
	}

	link.Blackhole(false)
	deadline := time.Now().Add(20 * time.Second)
	for _, err := v.Verify(t.Context(), control.AccessToken); err != nil; _, err = v.Verify(t.Context(), control.AccessToken) {
		if time.Now().After(deadline) {
			t.Fatalf("the Verifier did not come back within 20s of the link: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := v.Verify(t.Context(), victim.AccessToken); tokenmanager.ErrorCode(err) != tokenmanager.EInvalidToken {
		t.Fatalf("after recovery the token cancelled on B: %v, want EInvalidToken", err)
	}
}

// lastConfirmation asks the instance with data directory dir, on its
// operator socket, when its replica was last confirmed in step with the
// store: now less the staleness it reports.
func lastConfirmation(t *testing.T, dir string) time.Time {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", filepath.Join(dir, "admin.sock"))
		}}}
	defer c.CloseIdleConnections()
	at := time.Now()
	res, err := c.Get("http://tokenmanager/admin/status")
	if err != nil {
		t.Error(err)
		return at
	}
	defer res.Body.Close()
	var st struct {
		Staleness float64 `json:"staleness_seconds"`
	}
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
		t.Error(err)
	}
	return at.Add(-time.Duration(st.Staleness * float64(time.Second)))
}
