package http_test

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzClientCredentials sends hostile client credentials, in the Basic
// header and in the form, to the introspection endpoint: never a 5xx,
// never a 200 (no input knows the secret), and a valid challenge on every
// 401. The store is bolt (reads only: no fsync per input), so that the
// client lookups are real.
func FuzzClientCredentials(f *testing.F) {
	e := newEnv(f)
	secret := e.addClient(f, "rs", "introspect")
	for _, s := range [][2]string{
		{basic("rs", secret+"x"), "token=a.b.c"},
		{"Basic " + strings.Repeat("=", 10), "token=x"},
		{"Basic cnM6", "token=x"},
		{"", "token=x&client_id=rs&client_secret=%zz"},
		{"", "client_id=rs&client_secret=x&client_id=y&token=t"},
		{"basic   cnMlOjE=", "token=x"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, header, form string) {
		req := httptest.NewRequest("POST", "/oauth/introspect", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if header != "" {
			req.Header["Authorization"] = []string{header}
		}
		serveFuzz(t, e, req, false)
	})
}
