package interop

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// This file is a Shared Signals receiver written from the specifications
// alone (OpenID SSF 1.0, CAEP 1.0, RISC 1.0, RFC 8417 SETs, RFC 8935 push,
// RFC 8936 poll, RFC 9493 subject identifiers): it knows nothing of the
// server's code, only the metadata, the JWKS and the SETs.

// ssfMetadata is the transmitter configuration metadata (SSF 1.0 §7.1).
type ssfMetadata struct {
	SpecVersion           string   `json:"spec_version"`
	Issuer                string   `json:"issuer"`
	JWKSURI               string   `json:"jwks_uri"`
	DeliveryMethods       []string `json:"delivery_methods_supported"`
	ConfigurationEndpoint string   `json:"configuration_endpoint"`
	StatusEndpoint        string   `json:"status_endpoint"`
	VerificationEndpoint  string   `json:"verification_endpoint"`
}

// streamConfig is a stream's configuration (SSF 1.0 §8.1.1).
type streamConfig struct {
	StreamID        string   `json:"stream_id"`
	Iss             string   `json:"iss"`
	Aud             any      `json:"aud"` // a string or an array of strings
	EventsDelivered []string `json:"events_delivered"`
	Delivery        struct {
		Method      string `json:"method"`
		EndpointURL string `json:"endpoint_url"`
	} `json:"delivery"`
}

// secEvent is a verified SET (RFC 8417 §2.2, SSF 1.0 §4).
type secEvent struct {
	JTI    string                    `json:"jti"`
	Iss    string                    `json:"iss"`
	Aud    any                       `json:"aud"`
	Iat    int64                     `json:"iat"`
	SubID  map[string]any            `json:"sub_id"`
	Events map[string]map[string]any `json:"events"`
}

// eventType is the one event of the SET (SSF 1.0 §4.1.8: exactly one).
func (e secEvent) eventType() string {
	for k := range e.Events {
		return k
	}
	return ""
}

// ssfReceiver discovers a transmitter and checks what it sends.
type ssfReceiver struct {
	t      *testing.T
	client *http.Client
	token  string // the OAuth bearer token of the stream management API
	meta   ssfMetadata
	keys   map[string]ed25519.PublicKey // the JWKS's Ed25519 keys by kid
}

// discoverSSF reads the metadata at base's well-known URL (SSF 1.0 §7.2)
// and the JWKS it names.
func discoverSSF(t *testing.T, client *http.Client, base, token string) *ssfReceiver {
	r := &ssfReceiver{t: t, client: client, token: token, keys: map[string]ed25519.PublicKey{}}
	r.do("GET", base+"/.well-known/ssf-configuration", nil, http.StatusOK, &r.meta)
	if r.meta.SpecVersion != "1_0" || r.meta.Issuer != base || r.meta.ConfigurationEndpoint == "" {
		t.Fatalf("metadata %+v: want spec_version 1_0 and the issuer %s it was fetched from", r.meta, base)
	}
	var jwks struct {
		Keys []struct{ Kid, Kty, Crv, X string }
	}
	r.do("GET", r.meta.JWKSURI, nil, http.StatusOK, &jwks)
	for _, k := range jwks.Keys {
		if x, err := base64.RawURLEncoding.DecodeString(k.X); err == nil && k.Kty == "OKP" && k.Crv == "Ed25519" {
			r.keys[k.Kid] = x
		}
	}
	return r
}

// do sends a JSON request with the bearer token and decodes the answer.
func (r *ssfReceiver) do(method, url string, body any, want int, into any) {
	r.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	res, err := r.client.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		r.t.Fatalf("%s %s: %s, want %d: %s", method, url, res.Status, want, b)
	}
	if into != nil && json.Unmarshal(b, into) != nil {
		r.t.Fatalf("%s %s: not JSON: %s", method, url, b)
	}
}

// createStream creates a stream for the events with this delivery
// (SSF 1.0 §8.1.1.1) and checks what the transmitter answers.
func (r *ssfReceiver) createStream(events []string, delivery map[string]any) streamConfig {
	r.t.Helper()
	var c streamConfig
	r.do("POST", r.meta.ConfigurationEndpoint, map[string]any{"events_requested": events, "delivery": delivery}, http.StatusCreated, &c)
	if c.StreamID == "" || c.Iss != r.meta.Issuer || c.Aud == nil || len(c.EventsDelivered) != len(events) {
		r.t.Fatalf("created stream %+v", c)
	}
	return c
}

// verify asks for a verification event (SSF 1.0 §8.1.4.2).
func (r *ssfReceiver) verify(streamID, state string) {
	r.do("POST", r.meta.VerificationEndpoint, map[string]any{"stream_id": streamID, "state": state}, http.StatusNoContent, nil)
}

// check verifies a SET for a stream: JWS signed with EdDSA by a key of the
// JWKS, typ secevent+jwt (RFC 8417 §2.3), iss the transmitter's, aud the
// stream's, a jti, an iat, a sub_id, and exactly one event.
func (r *ssfReceiver) check(raw string, stream streamConfig) (secEvent, error) {
	var ev secEvent
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return ev, fmt.Errorf("not a JWS compact serialization")
	}
	var hdr struct{ Alg, Typ, Kid string }
	if err := segment(parts[0], &hdr); err != nil {
		return ev, err
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	key := r.keys[hdr.Kid]
	switch {
	case hdr.Alg != "EdDSA" || hdr.Typ != "secevent+jwt":
		return ev, fmt.Errorf("header alg %q typ %q", hdr.Alg, hdr.Typ)
	case err != nil || key == nil || !ed25519.Verify(key, []byte(parts[0]+"."+parts[1]), sig):
		return ev, fmt.Errorf("the signature does not verify with the JWKS key %q", hdr.Kid)
	}
	if err := segment(parts[1], &ev); err != nil {
		return ev, err
	}
	switch {
	case ev.Iss != r.meta.Issuer:
		return ev, fmt.Errorf("iss %q, want %q", ev.Iss, r.meta.Issuer)
	case !audMatches(ev.Aud, stream.Aud):
		return ev, fmt.Errorf("aud %v, want %v", ev.Aud, stream.Aud)
	case ev.JTI == "" || ev.Iat == 0 || ev.SubID == nil || len(ev.Events) != 1:
		return ev, fmt.Errorf("jti, iat, sub_id or the one event missing: %+v", ev)
	}
	return ev, nil
}

func audMatches(got, want any) bool {
	if s, ok := got.(string); ok {
		return s == want
	}
	list, _ := got.([]any)
	for _, a := range list {
		if a == want {
			return true
		}
	}
	return false
}

func segment(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, v) != nil {
		return fmt.Errorf("segment %q is not base64url JSON", s)
	}
	return nil
}

// pollAll polls a stream (RFC 8936 §2.4) until it holds want distinct
// SETs, acknowledging each SET in the next poll.
func (r *ssfReceiver) pollAll(stream streamConfig, want int) map[string]secEvent {
	got := map[string]secEvent{}
	var ack []string
	for range 50 {
		var res struct {
			Sets          map[string]string `json:"sets"`
			MoreAvailable bool              `json:"moreAvailable"`
		}
		// long poll until all are in; then a last poll that only acknowledges
		last := len(got) >= want
		r.do("POST", stream.Delivery.EndpointURL, map[string]any{"ack": ack, "maxEvents": 5, "returnImmediately": last}, http.StatusOK, &res)
		ack = ack[:0]
		for jti, raw := range res.Sets {
			ev, err := r.check(raw, stream)
			if err != nil || ev.JTI != jti {
				r.t.Fatalf("poll: a SET that does not check: %v (jti %q)", err, jti)
			}
			got[jti] = ev
			ack = append(ack, jti)
		}
		if last && len(ack) == 0 {
			return got
		}
	}
	r.t.Fatalf("poll: %d SETs, want %d", len(got), want)
	return nil
}

// pushReceiver is an RFC 8935 push endpoint that can be down: answering
// 503, or not listening at all (connections refused).
type pushReceiver struct {
	r      *ssfReceiver
	stream streamConfig
	auth   string // the Authorization header it asked the transmitter to send
	addr   string

	mu      sync.Mutex
	srv     *http.Server
	refuse  bool // answer 503
	refused int  // pushes answered 503
	got     map[string]secEvent
	invalid []string
	arrived chan struct{}
}

func newPushReceiver(r *ssfReceiver, auth string) *pushReceiver {
	p := &pushReceiver{r: r, auth: auth, got: map[string]secEvent{}, arrived: make(chan struct{}, 1000)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		r.t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	r.t.Cleanup(func() { p.stop() })
	return p
}

func (p *pushReceiver) serve(ln net.Listener) {
	p.mu.Lock()
	p.srv = &http.Server{Handler: http.HandlerFunc(p.handle)}
	p.mu.Unlock()
	go p.srv.Serve(ln)
}

// stop closes the listener: pushes are refused until start.
func (p *pushReceiver) stop() {
	p.mu.Lock()
	srv := p.srv
	p.mu.Unlock()
	srv.Close()
}

// start listens again on the same address.
func (p *pushReceiver) start() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.r.t.Fatal(err)
	}
	p.serve(ln)
}

func (p *pushReceiver) setUnavailable(b bool) {
	p.mu.Lock()
	p.refuse = b
	p.mu.Unlock()
}

// handle takes one SET (RFC 8935 §2.2): 202 when it checks, 400 with an
// error code (§2.3) when it does not.
func (p *pushReceiver) handle(w http.ResponseWriter, req *http.Request) {
	p.mu.Lock()
	refuse := p.refuse
	p.mu.Unlock()
	if refuse {
		p.mu.Lock()
		p.refused++
		p.mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if req.Header.Get("Authorization") != p.auth {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	body, _ := io.ReadAll(req.Body)
	ev, err := p.r.check(string(body), p.stream)
	if err != nil || req.Method != "POST" || req.Header.Get("Content-Type") != "application/secevent+jwt" {
		p.mu.Lock()
		p.invalid = append(p.invalid, fmt.Sprintf("%v (content type %q)", err, req.Header.Get("Content-Type")))
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"err":"invalid_request","description":"the SET does not check"}`))
		return
	}
	p.mu.Lock()
	p.got[ev.JTI] = ev // a SET pushed twice is kept once (RFC 8935 §2.2: jti)
	p.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
	p.arrived <- struct{}{}
}

// events returns the distinct SETs received so far and the refused ones.
func (p *pushReceiver) events() (map[string]secEvent, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]secEvent, len(p.got))
	for k, v := range p.got {
		out[k] = v
	}
	return out, append([]string(nil), p.invalid...)
}
