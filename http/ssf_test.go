package http_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tokenmanager/tokenmanager/ssf"
)

// allEvents requests every event type the transmitter supports.
var allEvents = ssf.EventsSupported

// ssfStream creates a poll stream for every event, as root.
func (e *env) ssfStream(t *testing.T, root string) ssf.StreamConfig {
	t.Helper()
	r := e.call(t, "POST", "/ssf/streams", map[string]any{"events_requested": allEvents,
		"delivery": map[string]any{"method": ssf.MethodPoll}}, "Bearer", root)
	wantStatus(t, r, http.StatusCreated)
	return decode[ssf.StreamConfig](t, r)
}

// setClaims is what these tests read of a SET (unverified: the ssf and
// interop tests check signatures).
type setClaims struct {
	Iss    string                    `json:"iss"`
	Aud    string                    `json:"aud"`
	JTI    string                    `json:"jti"`
	SubID  map[string]any            `json:"sub_id"`
	Events map[string]map[string]any `json:"events"`
}

// poll polls a stream, acknowledging ack, and returns its SETs' claims.
func (e *env) poll(t *testing.T, root, id string, ack []string) []setClaims {
	t.Helper()
	r := e.call(t, "POST", "/ssf/poll/"+id, map[string]any{"ack": ack, "returnImmediately": true}, "Bearer", root)
	wantStatus(t, r, http.StatusOK)
	res := decode[ssf.PollResponse](t, r)
	var out []setClaims
	for jti, raw := range res.Sets {
		parts := strings.Split(raw, ".")
		hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
		if !strings.Contains(string(hdr), `"typ":"secevent+jwt"`) {
			t.Fatalf("SET header %s", hdr)
		}
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var c setClaims
		if err := json.Unmarshal(payload, &c); err != nil || c.JTI != jti {
			t.Fatalf("SET %s: %v (jti %q)", payload, err, jti)
		}
		out = append(out, c)
	}
	return out
}

// drain polls until the stream is empty, acknowledging everything.
func (e *env) drain(t *testing.T, root, id string) []setClaims {
	var all []setClaims
	for {
		got := e.poll(t, root, id, nil)
		if len(got) == 0 {
			return all
		}
		var ack []string
		for _, c := range got {
			ack = append(ack, c.JTI)
		}
		all = append(all, got...)
		e.poll(t, root, id, ack)
	}
}

func TestSSFConfiguration(t *testing.T) {
	e := newEnv(t)
	r := e.call(t, "GET", "/.well-known/ssf-configuration", nil)
	wantStatus(t, r, http.StatusOK)
	c := decode[map[string]any](t, r)
	for k, want := range map[string]any{"spec_version": "1_0", "issuer": ssfIssuer, "jwks_uri": ssfIssuer + "/.well-known/jwks.json",
		"configuration_endpoint": ssfIssuer + "/ssf/streams", "status_endpoint": ssfIssuer + "/ssf/status",
		"verification_endpoint": ssfIssuer + "/ssf/verify", "default_subjects": "ALL"} {
		if c[k] != want {
			t.Errorf("%s = %v, want %v", k, c[k], want)
		}
	}
}

// TestSSFEvents walks every kind of event through a poll stream.
func TestSSFEvents(t *testing.T) {
	e := newEnv(t)
	root := e.user(t, "root").AccessToken
	s := e.ssfStream(t, root)
	alice := e.user(t, "alice")
	other := e.signIn(t, "alice")
	wantStatus(t, e.call(t, "POST", "/sign-out", nil, "Bearer", other.AccessToken), http.StatusNoContent)
	wantStatus(t, e.call(t, "POST", "/account/password", map[string]string{"current_password": password, "new_password": "another password"}, "Bearer", alice.AccessToken), http.StatusNoContent)
	wantStatus(t, e.call(t, "POST", "/admin/users/alice/cancel", nil, "Bearer", root), http.StatusNoContent)
	wantStatus(t, e.call(t, "POST", "/admin/users/alice/disable", nil, "Bearer", root), http.StatusNoContent)
	wantStatus(t, e.call(t, "POST", "/admin/users/alice/enable", nil, "Bearer", root), http.StatusNoContent)
	wantStatus(t, e.call(t, "DELETE", "/admin/users/alice", nil, "Bearer", root), http.StatusNoContent)
	got := e.drain(t, root, s.StreamID)
	count := map[string]int{}
	for _, c := range got {
		if c.Iss != ssfIssuer || c.Aud != s.Aud {
			t.Errorf("iss %q aud %q", c.Iss, c.Aud)
		}
		for typ, p := range c.Events {
			count[typ]++
			if _, ok := p["event_timestamp"]; !ok {
				t.Errorf("%s without event_timestamp", typ)
			}
			if typ == ssf.EventSessionRevoked && c.SubID["format"] == "complex" {
				user, _ := c.SubID["user"].(map[string]any)
				if user["sub"] != "alice" || user["iss"] != issuer {
					t.Errorf("session subject %v", c.SubID)
				}
			}
		}
	}
	// sign-out 1, admin cancel 1, disable 1, delete 1 (session-revoked)
	want := map[string]int{ssf.EventSessionRevoked: 4, ssf.EventCredentialChange: 1,
		ssf.EventAccountDisabled: 1, ssf.EventAccountEnabled: 1, ssf.EventAccountPurged: 1}
	for typ, n := range want {
		if count[typ] != n {
			t.Errorf("%s: %d events, want %d (all: %v)", typ, count[typ], n, count)
		}
	}
}

// TestSSFStreamManagement creates, reads, updates, pauses, verifies and
// deletes a stream.
func TestSSFStreamManagement(t *testing.T) {
	e := newEnv(t)
	root := e.user(t, "root").AccessToken
	s := e.ssfStream(t, root)
	if s.Iss != ssfIssuer || s.Delivery.EndpointURL != ssfIssuer+"/ssf/poll/"+s.StreamID || len(s.EventsDelivered) != len(allEvents) {
		t.Fatalf("created %+v", s)
	}
	wantStatus(t, e.call(t, "GET", "/ssf/streams?stream_id="+s.StreamID, nil, "Bearer", root), http.StatusOK)
	if l := decode[[]ssf.StreamConfig](t, e.call(t, "GET", "/ssf/streams", nil, "Bearer", root)); len(l) != 1 {
		t.Fatalf("list %+v", l)
	}
	r := e.call(t, "PATCH", "/ssf/streams", map[string]any{"stream_id": s.StreamID, "events_requested": []string{ssf.EventAccountPurged, "urn:unknown"}}, "Bearer", root)
	wantStatus(t, r, http.StatusOK)
	if u := decode[ssf.StreamConfig](t, r); len(u.EventsDelivered) != 1 || u.EventsDelivered[0] != ssf.EventAccountPurged || u.Delivery.Method != ssf.MethodPoll {
		t.Fatalf("patched %+v", u)
	}
	r = e.call(t, "PUT", "/ssf/streams", map[string]any{"stream_id": s.StreamID, "delivery": map[string]any{"method": ssf.MethodPoll}}, "Bearer", root)
	wantStatus(t, r, http.StatusOK)
	if u := decode[ssf.StreamConfig](t, r); len(u.EventsRequested) != 0 {
		t.Fatalf("replaced %+v", u)
	}
	wantStatus(t, e.call(t, "POST", "/ssf/status", map[string]any{"stream_id": s.StreamID, "status": "paused"}, "Bearer", root), http.StatusOK)
	wantStatus(t, e.call(t, "POST", "/ssf/verify", map[string]any{"stream_id": s.StreamID, "state": "xyz"}, "Bearer", root), http.StatusNoContent)
	if got := e.poll(t, root, s.StreamID, nil); len(got) != 0 {
		t.Fatalf("a paused stream delivered %v", got)
	}
	wantStatus(t, e.call(t, "POST", "/ssf/status", map[string]any{"stream_id": s.StreamID, "status": "enabled"}, "Bearer", root), http.StatusOK)
	st := decode[ssf.StreamStatus](t, e.call(t, "GET", "/ssf/status?stream_id="+s.StreamID, nil, "Bearer", root))
	if st.Status != "enabled" {
		t.Fatalf("status %+v", st)
	}
	got := e.poll(t, root, s.StreamID, nil)
	if len(got) != 1 || got[0].Events[ssf.EventVerification]["state"] != "xyz" || got[0].SubID["id"] != s.StreamID {
		t.Fatalf("verification %+v", got)
	}
	wantStatus(t, e.call(t, "DELETE", "/ssf/streams?stream_id="+s.StreamID, nil, "Bearer", root), http.StatusNoContent)
	wantError(t, e.call(t, "GET", "/ssf/streams?stream_id="+s.StreamID, nil, "Bearer", root), http.StatusNotFound, "not_found")
}

// TestSSFRefusals: hostile and wrong requests get a clear 4xx.
func TestSSFRefusals(t *testing.T) {
	e := newEnv(t)
	root := e.user(t, "root").AccessToken
	bob := e.user(t, "bob").AccessToken
	introspector := basic("gw", e.addClient(t, "gw", "introspect"))
	s := e.ssfStream(t, root)
	push := func(u string) map[string]any {
		return map[string]any{"delivery": map[string]any{"method": ssf.MethodPush, "endpoint_url": u}}
	}
	for _, tt := range []struct {
		name, method, path string
		body               any
		hdr                []string
		status             int
	}{
		{"NoToken", "GET", "/ssf/streams", nil, nil, 401},
		{"NotAdmin", "GET", "/ssf/streams", nil, []string{"Bearer", bob}, 403},
		{"ClientWithoutScope", "GET", "/ssf/streams", nil, []string{"Authorization", introspector}, 403},
		{"UnknownMethod", "POST", "/ssf/streams", map[string]any{"delivery": map[string]any{"method": "urn:x"}}, []string{"Bearer", root}, 400},
		{"PushPlainHTTP", "POST", "/ssf/streams", push("http://receiver.example/ssf"), []string{"Bearer", root}, 400},
		{"PushNoURL", "POST", "/ssf/streams", push(""), []string{"Bearer", root}, 400},
		{"PushCredentialsInURL", "POST", "/ssf/streams", push("https://u:p@receiver.example/"), []string{"Bearer", root}, 400},
		{"PushHeaderInjection", "POST", "/ssf/streams", map[string]any{"delivery": map[string]any{"method": ssf.MethodPush, "endpoint_url": "https://r.example/", "authorization_header": "x\r\nEvil: 1"}}, []string{"Bearer", root}, 400},
		{"UnknownField", "POST", "/ssf/streams", map[string]any{"evil": 1}, []string{"Bearer", root}, 400},
		{"UnknownStream", "GET", "/ssf/status?stream_id=nope", nil, []string{"Bearer", root}, 404},
		{"NoStreamID", "DELETE", "/ssf/streams", nil, []string{"Bearer", root}, 400},
		{"BadStatus", "POST", "/ssf/status", map[string]any{"stream_id": s.StreamID, "status": "on"}, []string{"Bearer", root}, 400},
		{"NegativeMaxEvents", "POST", "/ssf/poll/" + s.StreamID, map[string]any{"maxEvents": -1}, []string{"Bearer", root}, 400},
		{"PollUnknownStream", "POST", "/ssf/poll/nope", map[string]any{}, []string{"Bearer", root}, 404},
		{"VerifyUnknownStream", "POST", "/ssf/verify", map[string]any{"stream_id": "nope"}, []string{"Bearer", root}, 404},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantStatus(t, e.call(t, tt.method, tt.path, tt.body, tt.hdr...), tt.status)
		})
	}
}

// TestSSFLongPoll: a poll without returnImmediately returns the SET
// queued while it waits.
func TestSSFLongPoll(t *testing.T) {
	e := newEnv(t)
	root := e.user(t, "root").AccessToken
	s := e.ssfStream(t, root)
	done := make(chan *response, 1)
	go func() {
		done <- e.call(t, "POST", "/ssf/poll/"+s.StreamID, map[string]any{}, "Bearer", root)
	}()
	wantStatus(t, e.call(t, "POST", "/ssf/verify", map[string]any{"stream_id": s.StreamID}, "Bearer", root), http.StatusNoContent)
	r := <-done
	wantStatus(t, r, http.StatusOK)
	if res := decode[ssf.PollResponse](t, r); len(res.Sets) != 1 {
		t.Fatalf("the long poll returned %v", res)
	}
}
