package http_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

// openAPIDoc is the part of the OpenAPI document the tests read.
type openAPIDoc struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
}

// anyMethod are the operations a pattern without a method must describe.
var anyMethod = []string{"get", "head", "post", "put", "patch", "delete", "options"}

// fetchOpenAPI gets the document from the running server.
func fetchOpenAPI(t *testing.T, e *env) (openAPIDoc, []byte) {
	t.Helper()
	r := e.call(t, "GET", "/openapi.json", nil)
	wantStatus(t, r, http.StatusOK)
	return decode[openAPIDoc](t, r), r.Body
}

// described lists the routes a document describes, as "METHOD /path".
func described(doc openAPIDoc) []string {
	var out []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method != "parameters" && method != "summary" && method != "description" {
				out = append(out, strings.ToUpper(method)+" "+path)
			}
		}
	}
	return out
}

// served lists the routes of srv as "METHOD /path", expanding a pattern
// without a method into anyMethod, and a GET pattern into GET and HEAD
// (net/http.ServeMux serves HEAD with a GET pattern's handler).
func served(srv *tmhttp.Server) []string {
	var out []string
	for _, p := range srv.Routes() {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			for _, m := range anyMethod {
				out = append(out, strings.ToUpper(m)+" "+p)
			}
			continue
		}
		out = append(out, method+" "+path)
		if method == http.MethodGet {
			out = append(out, http.MethodHead+" "+path)
		}
	}
	return out
}

// TestOpenAPIDescribesEveryRoute fails when a route is served without
// being described, or described without being served.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := newEnv(t)
	doc, _ := fetchOpenAPI(t, e)
	have, want := described(doc), served(e.srv)
	tests := []struct {
		name       string
		from, into []string
		what       string
	}{
		{"EveryRouteDescribed", want, have, "served but missing from http/openapi.json"},
		{"EveryDescriptionServed", have, want, "described in http/openapi.json but not served"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range tt.from {
				if !slices.Contains(tt.into, r) {
					t.Errorf("%s: %s", r, tt.what)
				}
			}
		})
	}
}

// TestOpenAPIDocument checks the document's shape: version 3, every
// operation with responses, every $ref resolving.
func TestOpenAPIDocument(t *testing.T) {
	e := newEnv(t)
	doc, raw := fetchOpenAPI(t, e)
	var tree map[string]any
	if err := json.Unmarshal(raw, &tree); err != nil {
		t.Fatal(err)
	}
	t.Run("Version", func(t *testing.T) {
		if !strings.HasPrefix(doc.OpenAPI, "3.") {
			t.Fatalf("openapi = %q", doc.OpenAPI)
		}
	})
	t.Run("Responses", func(t *testing.T) {
		for path, ops := range doc.Paths {
			for method, op := range ops {
				var o struct {
					OperationID string         `json:"operationId"`
					Responses   map[string]any `json:"responses"`
				}
				if err := json.Unmarshal(op, &o); err != nil || o.OperationID == "" || len(o.Responses) == 0 {
					t.Errorf("%s %s: no operationId or no responses (%v)", method, path, err)
				}
			}
		}
	})
	t.Run("Refs", func(t *testing.T) {
		for _, ref := range refs(tree) {
			if resolve(tree, ref) == nil {
				t.Errorf("$ref %q does not resolve", ref)
			}
		}
	})
}

// refs returns every $ref in a JSON tree.
func refs(v any) []string {
	var out []string
	switch n := v.(type) {
	case map[string]any:
		for k, c := range n {
			if s, ok := c.(string); ok && k == "$ref" {
				out = append(out, s)
			}
			out = append(out, refs(c)...)
		}
	case []any:
		for _, c := range n {
			out = append(out, refs(c)...)
		}
	}
	return out
}

// resolve follows a local $ref ("#/components/schemas/Error").
func resolve(tree map[string]any, ref string) any {
	var cur any = tree
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}
