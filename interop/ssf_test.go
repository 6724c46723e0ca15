package interop

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// The event types of CAEP 1.0, RISC 1.0 and SSF 1.0 that the walk makes.
const (
	sessionRevoked   = "https://schemas.openid.net/secevent/caep/event-type/session-revoked"
	credentialChange = "https://schemas.openid.net/secevent/caep/event-type/credential-change"
	accountDisabled  = "https://schemas.openid.net/secevent/risc/event-type/account-disabled"
	accountEnabled   = "https://schemas.openid.net/secevent/risc/event-type/account-enabled"
	accountPurged    = "https://schemas.openid.net/secevent/risc/event-type/account-purged"
	verification     = "https://schemas.openid.net/secevent/ssf/event-type/verification"
)

var walkEvents = []string{sessionRevoked, credentialChange, accountDisabled, accountEnabled, accountPurged}

// expected is what the walk must deliver: event type and subject, as
// "type subject" strings (a session by its id, a user by iss_sub).
type expected map[string]int

// describe names a SET by its event type and subject (RFC 9493 formats).
func describe(ev secEvent) string {
	typ := ev.eventType()
	short := typ[strings.LastIndex(typ, "/")+1:]
	sub := ev.SubID
	switch sub["format"] {
	case "iss_sub":
		return short + " user:" + fmt.Sprint(sub["sub"])
	case "complex":
		s, _ := sub["session"].(map[string]any)
		u, _ := sub["user"].(map[string]any)
		if s["format"] != "opaque" || u["format"] != "iss_sub" {
			return short + " bad complex subject " + fmt.Sprint(sub)
		}
		return short + " session:" + fmt.Sprint(s["id"]) + " of " + fmt.Sprint(u["sub"])
	case "opaque":
		return short + " opaque:" + fmt.Sprint(ev.Events[typ]["state"])
	}
	return short + " unknown subject " + fmt.Sprint(sub)
}

// tally counts the SETs by description and checks the CAEP payloads.
func tally(t *testing.T, evs map[string]secEvent) expected {
	got := expected{}
	for _, ev := range evs {
		typ := ev.eventType()
		p := ev.Events[typ]
		if strings.Contains(typ, "/caep/") && p["event_timestamp"] == nil {
			t.Errorf("%s without event_timestamp (CAEP 1.0 §2)", typ)
		}
		if reason, _ := p["reason_admin"].(map[string]any); strings.Contains(typ, "/caep/") && len(reason) == 0 {
			t.Errorf("%s without reason_admin (CAEP interoperability profile §4)", typ)
		}
		if typ == credentialChange && (p["credential_type"] != "password" || p["change_type"] != "update") {
			t.Errorf("credential-change payload %v", p)
		}
		got[describe(ev)]++
	}
	return got
}

// ssfWalk makes every kind of event for alice, through the server `act`.
// It returns what a stream for every event must get, and calls between
// at the points where the test takes a push receiver down or up.
func ssfWalk(t *testing.T, act *server, root string, between func(step int)) expected {
	signIn := func() tokenPair { return signInAs(t, act, "alice", "device") }
	act.user("alice")
	s1, s2, s3 := signIn(), signIn(), signIn()
	send(t, "POST", act.URL+"/sign-out", s1.AccessToken, http.StatusNoContent)
	between(1)
	send(t, "DELETE", act.URL+"/sessions/"+s2.SessionID, s3.AccessToken, http.StatusNoContent)
	refresh := fmt.Sprintf(`{"refresh_token":%q}`, s3.RefreshToken)
	act.post("/tokens/refresh", refresh, http.StatusOK)
	act.post("/tokens/refresh", refresh, http.StatusUnauthorized) // reuse: the session is cancelled
	between(2)
	send(t, "POST", act.URL+"/admin/users/alice/cancel", root, http.StatusNoContent)
	s4 := signIn()
	req := `{"current_password":"password of alice","new_password":"another password of alice"}`
	sendJSON(t, "POST", act.URL+"/account/password", s4.AccessToken, req, http.StatusNoContent)
	between(3)
	send(t, "POST", act.URL+"/admin/users/alice/disable", root, http.StatusNoContent)
	send(t, "POST", act.URL+"/admin/users/alice/enable", root, http.StatusNoContent)
	send(t, "DELETE", act.URL+"/admin/users/alice", root, http.StatusNoContent)
	return expected{
		"session-revoked session:" + s1.SessionID + " of alice": 1,
		"session-revoked session:" + s2.SessionID + " of alice": 1,
		"session-revoked session:" + s3.SessionID + " of alice": 1,
		"session-revoked user:alice":                            3, // admin cancel, disable, delete
		"credential-change user:alice":                          1,
		"account-disabled user:alice":                           1,
		"account-enabled user:alice":                            1,
		"account-purged user:alice":                             1,
	}
}

func sendJSON(t *testing.T, method, url, token, body string, want int) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != want {
		t.Fatalf("%s %s: %s, want %d", method, url, res.Status, want)
	}
}

func checkTally(t *testing.T, how string, got, want expected) {
	t.Helper()
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d × %q, want %d (got %v)", how, got[k], k, n, got)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: an event that was not made: %q", how, k)
		}
	}
}

// waitPush waits until the receiver holds n distinct SETs.
func waitPush(t *testing.T, p *pushReceiver, n int, within time.Duration) map[string]secEvent {
	t.Helper()
	deadline := time.After(within)
	for {
		got, invalid := p.events()
		if len(invalid) > 0 {
			t.Fatalf("push: SETs that do not check: %v", invalid)
		}
		if len(got) >= n {
			return got
		}
		select {
		case <-p.arrived:
		case <-deadline:
			t.Fatalf("push: %d SETs after %s, want %d", len(got), within, n)
		}
	}
}

// TestSSFPushAndPoll: every event of the walk reaches a push receiver
// that is down (503, then not listening) for part of it, and a poll
// receiver; both also get their verification event.
func TestSSFPushAndPoll(t *testing.T) {
	s := startServer(t, "--refresh-reuse-grace", "0s") // a reuse cancels the session at once
	root := s.user("root").AccessToken
	r := discoverSSF(t, http.DefaultClient, s.URL, root)
	push := newPushReceiver(r, "Bearer receiver-secret")
	push.stream = r.createStream(walkEvents, map[string]any{"method": "urn:ietf:rfc:8935",
		"endpoint_url": "http://" + push.addr + "/events", "authorization_header": push.auth})
	poll := r.createStream(walkEvents, map[string]any{"method": "urn:ietf:rfc:8936"})
	r.verify(push.stream.StreamID, "push-state")
	r.verify(poll.StreamID, "poll-state")
	waitPush(t, push, 1, 5*time.Second)
	want := ssfWalk(t, s, root, func(step int) {
		switch step {
		case 1:
			push.setUnavailable(true)
		case 2:
			push.setUnavailable(false)
			push.stop() // connections refused
		case 3:
			time.Sleep(500 * time.Millisecond)
			push.start()
		}
	})
	pushWant := expected{"verification opaque:push-state": 1}
	pollWant := expected{"verification opaque:poll-state": 1}
	for k, n := range want {
		pushWant[k], pollWant[k] = n, n
	}
	checkTally(t, "push", tally(t, waitPush(t, push, 11, 20*time.Second)), pushWant)
	push.mu.Lock()
	if push.refused == 0 {
		t.Error("the transmitter never pushed while the receiver answered 503: the test did not test retries")
	}
	push.mu.Unlock()
	checkTally(t, "poll", tally(t, r.pollAll(poll, 11)), pollWant)
	metrics := string(send(t, "GET", s.URL+"/metrics", "", http.StatusOK))
	for _, m := range []string{`tokenmanager_ssf_events_delivered_total{delivery="push"}`, `tokenmanager_ssf_events_delivered_total{delivery="poll"}`,
		"tokenmanager_ssf_push_failures_total", `tokenmanager_ssf_events_queued_total{event="` + sessionRevoked + `"} 12`} {
		if !strings.Contains(metrics, m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
}

// TestSSFSharedStore: on Redis, a stream created on instance A gets, by
// push and by poll, the events of cancellations made on instance B. Both
// instances have the same public URL (as behind a load balancer); the
// receiver reaches it through A.
func TestSSFSharedStore(t *testing.T) {
	redis := redistest.Start(t)
	const public = "http://tm.example"
	a := startServer(t, "--store", redis.URL(), "--public-url", public)
	b := startServer(t, "--store", redis.URL(), "--public-url", public)
	viaA := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr == "tm.example:80" {
			addr = strings.TrimPrefix(a.URL, "http://")
		}
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}}
	root := a.user("root").AccessToken
	r := discoverSSF(t, viaA, public, root)
	push := newPushReceiver(r, "Bearer receiver-secret")
	push.stream = r.createStream(walkEvents, map[string]any{"method": "urn:ietf:rfc:8935",
		"endpoint_url": "http://" + push.addr + "/events", "authorization_header": push.auth})
	poll := r.createStream(walkEvents, map[string]any{"method": "urn:ietf:rfc:8936"})
	carol := b.user("carol")
	send(t, "POST", b.URL+"/sign-out", carol.AccessToken, http.StatusNoContent)
	send(t, "POST", b.URL+"/admin/users/carol/cancel", root, http.StatusNoContent)
	want := expected{"session-revoked session:" + carol.SessionID + " of carol": 1, "session-revoked user:carol": 1}
	checkTally(t, "push", tally(t, waitPush(t, push, 2, 10*time.Second)), want)
	checkTally(t, "poll", tally(t, r.pollAll(poll, 2)), want)
}
