package interop

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// walker sends requests to the real server and checks each exchange
// against the server's own OpenAPI document with kin-openapi's
// openapi3filter: the request must be described (and, for a request the
// server must refuse, must break the document's rules), the response's
// status, headers and body must be described.
type walker struct {
	t      *testing.T
	base   string
	router routers.Router
	errs   []string // every mismatch between the traffic and the document
}

// newWalker loads the document the server serves, pointed at its URL.
func newWalker(t *testing.T, s *server, edit func(*openapi3.T)) *walker {
	t.Helper()
	res, err := http.Get(s.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("the served /openapi.json does not load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the served /openapi.json is not a valid OpenAPI document: %v", err)
	}
	if edit != nil {
		edit(doc)
	}
	doc.Servers = openapi3.Servers{{URL: s.URL}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &walker{t: t, base: s.URL, router: router}
}

// ex is one exchange of the walk.
type ex struct {
	method, path string
	body, ctype  string
	hdr          []string // name, value pairs
	status       int      // what the server must answer
	refused      bool     // the request breaks the document (the server refuses it)
}

// do sends e and checks it against the document; it returns the body.
func (w *walker) do(name string, e ex) []byte {
	w.t.Helper()
	what := fmt.Sprintf("%s (%s %s)", name, e.method, e.path)
	in := w.validateRequest(what, e)
	req := newRequest(w.t, w.base, e)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatalf("%s: %v", what, err)
	}
	defer res.Body.Close()
	var body []byte
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") { // the stream never ends
		body, _ = io.ReadAll(res.Body)
	}
	if res.StatusCode != e.status {
		w.t.Fatalf("%s: status %d, want %d: %s", what, res.StatusCode, e.status, body)
	}
	if in != nil {
		w.validateResponse(what, in, res, body)
	}
	return body
}

// validateRequest finds the request's operation and checks the request;
// it returns the input for the response's check, nil when the operation
// is not described.
func (w *walker) validateRequest(what string, e ex) *openapi3filter.RequestValidationInput {
	req := newRequest(w.t, w.base, e)
	route, params, err := w.router.FindRoute(req)
	if err != nil {
		w.errs = append(w.errs, fmt.Sprintf("%s: not described: %v", what, err))
		return nil
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	err = openapi3filter.ValidateRequest(context.Background(), in)
	switch {
	case e.refused && err == nil:
		w.errs = append(w.errs, what+": the document accepts a request that the server refuses")
	case !e.refused && err != nil:
		w.errs = append(w.errs, fmt.Sprintf("%s: the request breaks the document: %v", what, err))
	}
	return in
}

// validateResponse checks the status, headers and body against the
// operation; a HEAD answer must have a described status and no body.
func (w *walker) validateResponse(what string, in *openapi3filter.RequestValidationInput, res *http.Response, body []byte) {
	if in.Request.Method == http.MethodHead {
		if in.Route.Operation.Responses.Status(res.StatusCode) == nil || len(body) != 0 {
			w.errs = append(w.errs, fmt.Sprintf("%s: HEAD answered %d with %d bytes: not described", what, res.StatusCode, len(body)))
		}
		return
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		opts.ExcludeResponseBody = true // the stream never ends
	}
	err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: opts})
	if err != nil {
		w.errs = append(w.errs, fmt.Sprintf("%s: the response (%d %s) breaks the document: %v", what, res.StatusCode, res.Header.Get("Content-Type"), err))
	}
}

func newRequest(t *testing.T, base string, e ex) *http.Request {
	var body io.Reader
	if e.body != "" {
		body = strings.NewReader(e.body)
	}
	req, err := http.NewRequest(e.method, base+e.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if e.ctype != "" {
		req.Header.Set("Content-Type", e.ctype)
	}
	for i := 0; i+1 < len(e.hdr); i += 2 {
		req.Header.Set(e.hdr[i], e.hdr[i+1])
	}
	return req
}

const jsonType, formType = "application/json", "application/x-www-form-urlencoded"

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

func basicAuth(id, secret string) []string {
	return []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))}
}

func creds(name, password string) string {
	b, _ := json.Marshal(map[string]string{"username": name, "password": password})
	return string(b)
}

// pair decodes a token response.
func pair(t *testing.T, b []byte) tokenPair {
	t.Helper()
	var p tokenPair
	if err := json.Unmarshal(b, &p); err != nil || p.AccessToken == "" {
		t.Fatalf("not a token response: %s", b)
	}
	return p
}
