package http

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"

	"github.com/tokenmanager/tokenmanager"
)

// checkFieldNames walks the members of the JSON object body (already
// decoded into dst without error) and refuses a name that is not exactly
// one of dst's JSON field names, and a name given twice. encoding/json
// matches names without regard to case and keeps the last of duplicates;
// a proxy or a validator in front may read the first or only the exact
// name, so the two readings of one body could differ.
func checkFieldNames(body []byte, dst any) error {
	names := jsonFieldNames(reflect.TypeOf(dst))
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil { // '{'
		return nil
	}
	seen := make(map[string]bool, len(names))
	for dec.More() {
		tok, err := dec.Token()
		name, ok := tok.(string)
		if err != nil || !ok {
			return nil // not reached: the body decoded
		}
		switch {
		case !names[name]:
			return tokenmanager.Errorf(tokenmanager.EInvalid, "unknown field %.80q (names are case-sensitive)", name)
		case seen[name]:
			return tokenmanager.Errorf(tokenmanager.EInvalid, "field %.80q appears more than once", name)
		}
		seen[name] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil
		}
	}
	return nil
}

// jsonFieldNames returns the JSON names of the fields of the struct t
// points to.
func jsonFieldNames(t reflect.Type) map[string]bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	names := map[string]bool{}
	if t.Kind() != reflect.Struct {
		return names
	}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		names[name] = true
	}
	return names
}
