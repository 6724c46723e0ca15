package interop

import (
	"encoding/json"
	"testing"
)

// walkSSF covers the Shared Signals routes: metadata, stream management,
// status, verification and poll, with the refusals the document states.
func walkSSF(t *testing.T, w *walker, root, user tokenPair) {
	admin := bearer(root.AccessToken)
	w.do("ssf metadata", ex{method: "GET", path: "/.well-known/ssf-configuration", status: 200})
	w.do("ssf metadata head", ex{method: "HEAD", path: "/.well-known/ssf-configuration", status: 200})
	poll := `{"delivery":{"method":"urn:ietf:rfc:8936"},"events_requested":["https://schemas.openid.net/secevent/caep/event-type/session-revoked"],"description":"walk"}`
	var s struct {
		StreamID string `json:"stream_id"`
	}
	if err := json.Unmarshal(w.do("create stream", ex{method: "POST", path: "/ssf/streams", body: poll, ctype: jsonType, hdr: admin, status: 201}), &s); err != nil || s.StreamID == "" {
		t.Fatalf("create stream: %v", err)
	}
	q := "?stream_id=" + s.StreamID
	push := `{"delivery":{"method":"urn:ietf:rfc:8935","endpoint_url":"http://127.0.0.1:9/events","authorization_header":"Bearer x"}}`
	w.do("create push stream", ex{method: "POST", path: "/ssf/streams", body: push, ctype: jsonType, hdr: admin, status: 201})
	w.do("create stream, bad method", ex{method: "POST", path: "/ssf/streams", body: `{"delivery":{"method":"urn:x"}}`, ctype: jsonType, hdr: admin, status: 400, refused: true})
	w.do("create stream, unknown field", ex{method: "POST", path: "/ssf/streams", body: `{"evil":1}`, ctype: jsonType, hdr: admin, status: 400, refused: true})
	w.do("create stream as user", ex{method: "POST", path: "/ssf/streams", body: poll, ctype: jsonType, hdr: bearer(user.AccessToken), status: 403})
	w.do("list streams", ex{method: "GET", path: "/ssf/streams", hdr: admin, status: 200})
	w.do("list streams head", ex{method: "HEAD", path: "/ssf/streams", hdr: admin, status: 200})
	w.do("list streams without token", ex{method: "GET", path: "/ssf/streams", status: 401})
	w.do("read stream", ex{method: "GET", path: "/ssf/streams" + q, hdr: admin, status: 200})
	w.do("read no stream", ex{method: "GET", path: "/ssf/streams?stream_id=nope", hdr: admin, status: 404})
	w.do("update stream", ex{method: "PATCH", path: "/ssf/streams", body: `{"stream_id":"` + s.StreamID + `","description":"walked"}`, ctype: jsonType, hdr: admin, status: 200})
	w.do("replace stream", ex{method: "PUT", path: "/ssf/streams", body: `{"stream_id":"` + s.StreamID + `","delivery":{"method":"urn:ietf:rfc:8936"}}`, ctype: jsonType, hdr: admin, status: 200})
	w.do("read status", ex{method: "GET", path: "/ssf/status" + q, hdr: admin, status: 200})
	w.do("read status head", ex{method: "HEAD", path: "/ssf/status" + q, hdr: admin, status: 200})
	w.do("pause", ex{method: "POST", path: "/ssf/status", body: `{"stream_id":"` + s.StreamID + `","status":"paused","reason":"walk"}`, ctype: jsonType, hdr: admin, status: 200})
	w.do("bad status", ex{method: "POST", path: "/ssf/status", body: `{"stream_id":"` + s.StreamID + `","status":"on"}`, ctype: jsonType, hdr: admin, status: 400, refused: true})
	w.do("enable", ex{method: "POST", path: "/ssf/status", body: `{"stream_id":"` + s.StreamID + `","status":"enabled"}`, ctype: jsonType, hdr: admin, status: 200})
	w.do("verify", ex{method: "POST", path: "/ssf/verify", body: `{"stream_id":"` + s.StreamID + `","state":"walk"}`, ctype: jsonType, hdr: admin, status: 204})
	w.do("verify no stream", ex{method: "POST", path: "/ssf/verify", body: `{"stream_id":"nope"}`, ctype: jsonType, hdr: admin, status: 404})
	w.do("poll", ex{method: "POST", path: "/ssf/poll/" + s.StreamID, body: `{"returnImmediately":true}`, ctype: jsonType, hdr: admin, status: 200})
	w.do("poll, negative maxEvents", ex{method: "POST", path: "/ssf/poll/" + s.StreamID, body: `{"maxEvents":-1}`, ctype: jsonType, hdr: admin, status: 400, refused: true})
	w.do("delete stream", ex{method: "DELETE", path: "/ssf/streams" + q, hdr: admin, status: 204})
	w.do("delete stream again", ex{method: "DELETE", path: "/ssf/streams" + q, hdr: admin, status: 404})
}
