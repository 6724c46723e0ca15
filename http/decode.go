package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/tokenmanager/tokenmanager"
)

// DefaultMaxBodyBytes is the body limit when Server.MaxBodyBytes is 0: the
// largest body of the contract (a password of 1 KiB) with room to spare.
const DefaultMaxBodyBytes = 64 << 10

// decodeJSON reads exactly one JSON object of at most limit bytes into dst.
// The body must be declared JSON (application/json or +json), with two
// exceptions for command-line clients: no Content-Type at all, and the
// application/x-www-form-urlencoded that curl -d sends by default, the
// latter only from a client that is not a browser (no Origin, no
// Sec-Fetch-Site). Anything else is a 415: text/plain and forms are what a
// page on another site can send without asking. Every way the body can be
// wrong is a 4xx naming what is wrong: too large (413), malformed, of the
// wrong shape, with trailing data, or with a field name that is not
// exactly one of dst's (other case, unknown, or given twice) (400).
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, dst any) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return jsonError(err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return tokenmanager.Errorf(tokenmanager.EInvalid, "the body must hold exactly one JSON value")
	}
	return checkFieldNames(body, dst)
}

// requireJSON refuses, with 415, a body not declared as JSON, except the
// command-line cases decodeJSON describes.
func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	switch {
	case err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json")):
		return nil
	case err == nil && mt == "application/x-www-form-urlencoded" && !browserSent(r):
		return nil // curl -d '{…}'
	}
	return tokenmanager.Errorf(EUnsupportedMediaType, "the body must be application/json")
}

// jsonError turns a decoding error into a client error that says what is
// wrong, with the field's name but never its value.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case tooLarge(err):
		return tokenmanager.Errorf(tokenmanager.ETooLarge, "the body is too large")
	case errors.Is(err, io.EOF):
		return tokenmanager.Errorf(tokenmanager.EInvalid, "the body is empty; a JSON object is expected")
	case errors.As(err, &syntax):
		return tokenmanager.Errorf(tokenmanager.EInvalid, "the body is not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typ) && typ.Field == "":
		return tokenmanager.Errorf(tokenmanager.EInvalid, "the body must be a JSON object, not %s", typ.Value)
	case errors.As(err, &typ):
		return tokenmanager.Errorf(tokenmanager.EInvalid, "field %q must be a %s, not %s", typ.Field, typ.Type, typ.Value)
	case strings.Contains(err.Error(), "unknown field "):
		_, name, _ := strings.Cut(err.Error(), "unknown field ")
		return tokenmanager.Errorf(tokenmanager.EInvalid, "unknown field %.80s", name)
	}
	return tokenmanager.Errorf(tokenmanager.EInvalid, "the body is not valid JSON")
}

// decodeForm reads an application/x-www-form-urlencoded body of at most
// limit bytes (the OAuth endpoints). Parameters in the query string are
// ignored: a token must not travel in a URL, where logs keep it.
func decodeForm(w http.ResponseWriter, r *http.Request, limit int64) (url.Values, error) {
	if err := requireMediaType(r, "application/x-www-form-urlencoded"); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if tooLarge(err) {
		return nil, tokenmanager.Errorf(tokenmanager.ETooLarge, "the body is too large")
	} else if err != nil {
		return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "cannot read the body")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, tokenmanager.Errorf(tokenmanager.EInvalid, "the body is not a valid form")
	}
	return form, nil
}

// formValue returns a parameter that may appear at most once (RFC 6749
// §3.2), and refuses a missing one when required.
func formValue(form url.Values, name string, required bool) (string, error) {
	vs := form[name]
	switch {
	case len(vs) > 1:
		return "", tokenmanager.Errorf(tokenmanager.EInvalid, "parameter %q appears more than once", name)
	case required && (len(vs) == 0 || vs[0] == ""):
		return "", tokenmanager.Errorf(tokenmanager.EInvalid, "parameter %q is required", name)
	case len(vs) == 0:
		return "", nil
	}
	return vs[0], nil
}

// requireMediaType refuses a body of another declared media type with
// 415. A missing Content-Type is accepted (curl and scripts often forget
// it); a browser cannot send a cross-site request without one, so for JSON
// routes the check still stops CSRF through HTML forms and text/plain
// fetches.
func requireMediaType(r *http.Request, want string) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == want || want == "application/json" && strings.HasSuffix(mt, "+json")) {
		return nil
	}
	return tokenmanager.Errorf(EUnsupportedMediaType, "the body must be %s", want)
}

func tooLarge(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}

// writeJSON writes v with status. Encoding errors are not reported: the
// status is already sent, and every value written here encodes.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeNoStore writes v with the headers RFC 6749 §5.1 asks of a response
// that carries tokens or token facts: no cache may keep it.
func writeNoStore(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, status, v)
}
