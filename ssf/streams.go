package ssf

import (
	"context"
	"encoding/json"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/tokenmanager/tokenmanager"
)

// Stream statuses (SSF 1.0 §8.1.2): enabled streams get and deliver
// events; paused ones queue them and deliver nothing until enabled;
// disabled ones get none.
const (
	StatusEnabled  = "enabled"
	StatusPaused   = "paused"
	StatusDisabled = "disabled"
)

// Bounds of what a receiver may store in a stream.
const (
	maxDescription = 1000
	maxURL         = 2000
	maxAuthHeader  = 4096
	maxReason      = 1000
	maxRequested   = 50
)

// Delivery is a stream's delivery configuration. AuthorizationHeader is
// never returned: it is a credential of the receiver's.
type Delivery struct {
	Method              string `json:"method"`
	EndpointURL         string `json:"endpoint_url,omitempty"`
	AuthorizationHeader string `json:"authorization_header,omitempty"`
}

// StreamConfig is a stream's configuration as SSF 1.0 §8.1.1 shows it.
type StreamConfig struct {
	StreamID        string   `json:"stream_id"`
	Iss             string   `json:"iss"`
	Aud             string   `json:"aud"`
	EventsSupported []string `json:"events_supported"`
	EventsRequested []string `json:"events_requested"`
	EventsDelivered []string `json:"events_delivered"`
	Delivery        Delivery `json:"delivery"`
	Description     string   `json:"description,omitempty"`
}

// StreamRequest is a receiver's create, update (PATCH) or replace (PUT)
// request: the receiver-supplied fields; the transmitter-supplied ones
// are accepted (receivers send back what they read) and ignored, but
// stream_id names the stream to update.
type StreamRequest struct {
	StreamID        string          `json:"stream_id,omitempty"`
	Iss             json.RawMessage `json:"iss,omitempty"`
	Aud             json.RawMessage `json:"aud,omitempty"`
	EventsSupported json.RawMessage `json:"events_supported,omitempty"`
	EventsDelivered json.RawMessage `json:"events_delivered,omitempty"`
	MinVerification json.RawMessage `json:"min_verification_interval,omitempty"`
	Inactivity      json.RawMessage `json:"inactivity_timeout,omitempty"`
	EventsRequested *[]string       `json:"events_requested,omitempty"`
	Delivery        *Delivery       `json:"delivery,omitempty"`
	Description     *string         `json:"description,omitempty"`
}

// StreamStatus is a stream's status (SSF 1.0 §8.1.2).
type StreamStatus struct {
	StreamID string `json:"stream_id"`
	Status   string `json:"status"`
	Reason   string `json:"reason,omitempty"`
}

// CreateStream creates a stream (enabled) from a receiver's request; its
// aud is its stream id.
func (t *Transmitter) CreateStream(ctx context.Context, r StreamRequest) (*StreamConfig, error) {
	all, err := t.cfg.Store.EventStreams(ctx)
	if err != nil {
		return nil, unavailable(err)
	}
	if len(all) >= MaxStreams {
		return nil, tokenmanager.Errorf(tokenmanager.EConflict, "this transmitter has %d streams already; delete one first", MaxStreams)
	}
	if r.Delivery == nil {
		r.Delivery = &Delivery{Method: MethodPoll}
	}
	id := newID()
	s := &tokenmanager.EventStream{ID: id, Audience: id, Status: StatusEnabled, EventsRequested: []string{}, CreatedAt: t.cfg.Now()}
	if err := apply(s, r); err != nil {
		return nil, err
	}
	if err := t.cfg.Store.PutEventStream(ctx, s); err != nil {
		return nil, unavailable(err)
	}
	return t.config(s), nil
}

// Stream returns one stream's configuration.
func (t *Transmitter) Stream(ctx context.Context, id string) (*StreamConfig, error) {
	s, err := t.cfg.Store.EventStream(ctx, id)
	if err != nil {
		return nil, notFound(err)
	}
	return t.config(s), nil
}

// Streams returns every stream's configuration.
func (t *Transmitter) Streams(ctx context.Context) ([]*StreamConfig, error) {
	all, err := t.cfg.Store.EventStreams(ctx)
	if err != nil {
		return nil, unavailable(err)
	}
	out := make([]*StreamConfig, 0, len(all))
	for _, s := range all {
		out = append(out, t.config(s))
	}
	return out, nil
}

// UpdateStream changes the fields the request gives (PATCH), or, with
// replace, sets every receiver-supplied field to the request's (PUT).
func (t *Transmitter) UpdateStream(ctx context.Context, r StreamRequest, replace bool) (*StreamConfig, error) {
	if r.StreamID == "" {
		return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "stream_id is required")
	}
	s, err := t.cfg.Store.EventStream(ctx, r.StreamID)
	if err != nil {
		return nil, notFound(err)
	}
	if replace {
		if r.Delivery == nil {
			return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "delivery is required to replace a stream")
		}
		s.EventsRequested, s.Description, s.EndpointURL, s.AuthorizationHeader = []string{}, "", "", ""
	}
	if err := apply(s, r); err != nil {
		return nil, err
	}
	if err := t.cfg.Store.PutEventStream(ctx, s); err != nil {
		return nil, unavailable(err)
	}
	return t.config(s), nil
}

// DeleteStream removes a stream and its queue.
func (t *Transmitter) DeleteStream(ctx context.Context, id string) error {
	if _, err := t.cfg.Store.EventStream(ctx, id); err != nil {
		return notFound(err)
	}
	return unavailable(t.cfg.Store.DeleteEventStream(ctx, id))
}

// Status returns a stream's status.
func (t *Transmitter) Status(ctx context.Context, id string) (*StreamStatus, error) {
	s, err := t.cfg.Store.EventStream(ctx, id)
	if err != nil {
		return nil, notFound(err)
	}
	return &StreamStatus{StreamID: s.ID, Status: s.Status, Reason: s.Reason}, nil
}

// SetStatus enables, pauses or disables a stream.
func (t *Transmitter) SetStatus(ctx context.Context, st StreamStatus) (*StreamStatus, error) {
	if !slices.Contains([]string{StatusEnabled, StatusPaused, StatusDisabled}, st.Status) {
		return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "status must be enabled, paused or disabled")
	}
	if len(st.Reason) > maxReason {
		return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "reason is longer than %d bytes", maxReason)
	}
	s, err := t.cfg.Store.EventStream(ctx, st.StreamID)
	if err != nil {
		return nil, notFound(err)
	}
	s.Status, s.Reason = st.Status, st.Reason
	if err := t.cfg.Store.PutEventStream(ctx, s); err != nil {
		return nil, unavailable(err)
	}
	t.signal() // a stream enabled again has events to push
	return &StreamStatus{StreamID: s.ID, Status: s.Status, Reason: s.Reason}, nil
}

// apply checks the receiver-supplied fields of r and sets them on s.
func apply(s *tokenmanager.EventStream, r StreamRequest) error {
	if r.Description != nil {
		if len(*r.Description) > maxDescription {
			return tokenmanager.Errorf(tokenmanager.EInvalid, "description is longer than %d bytes", maxDescription)
		}
		s.Description = *r.Description
	}
	if r.EventsRequested != nil {
		if len(*r.EventsRequested) > maxRequested {
			return tokenmanager.Errorf(tokenmanager.EInvalid, "events_requested has more than %d entries", maxRequested)
		}
		s.EventsRequested = delivered(*r.EventsRequested) // unknown types are ignored (SSF 1.0 §8.1.1)
	}
	if r.Delivery != nil {
		if err := checkDelivery(*r.Delivery); err != nil {
			return err
		}
		s.Method, s.EndpointURL, s.AuthorizationHeader = r.Delivery.Method, r.Delivery.EndpointURL, r.Delivery.AuthorizationHeader
		if s.Method == MethodPoll {
			s.EndpointURL, s.AuthorizationHeader = "", ""
		}
	}
	return nil
}

// checkDelivery refuses an unknown method, and for push an endpoint that
// is not https (http only to a loopback address, for a receiver on the
// same machine) or a header that cannot be sent.
func checkDelivery(d Delivery) error {
	switch d.Method {
	case MethodPoll:
		return nil
	case MethodPush:
	default:
		return tokenmanager.Errorf(tokenmanager.EInvalid, "delivery method must be %s (push) or %s (poll)", MethodPush, MethodPoll)
	}
	u, err := url.Parse(d.EndpointURL)
	switch {
	case d.EndpointURL == "" || len(d.EndpointURL) > maxURL || err != nil || u.Host == "" || u.User != nil || u.Fragment != "":
		return tokenmanager.Errorf(tokenmanager.EInvalid, "delivery endpoint_url must be an absolute URL without credentials, of at most %d bytes", maxURL)
	case u.Scheme != "https" && !(u.Scheme == "http" && loopback(u.Hostname())):
		return tokenmanager.Errorf(tokenmanager.EInvalid, "delivery endpoint_url must be https (http only to a loopback address)")
	case len(d.AuthorizationHeader) > maxAuthHeader || strings.ContainsAny(d.AuthorizationHeader, "\r\n\x00"):
		return tokenmanager.Errorf(tokenmanager.EInvalid, "delivery authorization_header must be one line of at most %d bytes", maxAuthHeader)
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// delivered is the subset of requested that this transmitter supports, in
// the order of EventsSupported.
func delivered(requested []string) []string {
	out := []string{}
	for _, e := range EventsSupported {
		if slices.Contains(requested, e) {
			out = append(out, e)
		}
	}
	return out
}

// config is the stream's configuration as receivers read it.
func (t *Transmitter) config(s *tokenmanager.EventStream) *StreamConfig {
	d := Delivery{Method: s.Method, EndpointURL: s.EndpointURL}
	if s.Method == MethodPoll {
		d.EndpointURL = t.PollURL(s.ID)
	}
	return &StreamConfig{StreamID: s.ID, Iss: t.cfg.Issuer, Aud: s.Audience,
		EventsSupported: EventsSupported, EventsRequested: nonNil(s.EventsRequested),
		EventsDelivered: delivered(s.EventsRequested), Delivery: d, Description: s.Description}
}

// PollURL is where the receiver of a poll stream polls.
func (t *Transmitter) PollURL(streamID string) string {
	return strings.TrimSuffix(t.cfg.Issuer, "/") + "/ssf/poll/" + url.PathEscape(streamID)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func notFound(err error) error {
	if tokenmanager.ErrorCode(err) == tokenmanager.ENotFound {
		return tokenmanager.Errorf(tokenmanager.ENotFound, "no such stream")
	}
	return unavailable(err)
}

func unavailable(err error) error {
	if err == nil || tokenmanager.ErrorCode(err) != "" && tokenmanager.ErrorCode(err) != tokenmanager.EInternal {
		return err
	}
	return tokenmanager.Wrap(tokenmanager.EUnavailable, err, "the event store cannot answer")
}
