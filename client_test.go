package tokenmanager_test

import (
	"reflect"
	"testing"

	"github.com/tokenmanager/tokenmanager"
)

func TestParseScopes(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
		code     string
	}{
		{"EmptyIsEvery", "", []string{"introspect", "revoke", "events"}, ""},
		{"Commas", "introspect,events", []string{"introspect", "events"}, ""},
		{"SpacesAndDuplicates", "revoke revoke, introspect", []string{"revoke", "introspect"}, ""},
		{"ErrUnknown", "introspect,admin", nil, tokenmanager.EInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tokenmanager.ParseScopes(tc.in)
			if tokenmanager.ErrorCode(err) != tc.code || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseScopes(%q) = %v, %v; want %v, code %q", tc.in, got, err, tc.want, tc.code)
			}
		})
	}
}

func TestValidClientID(t *testing.T) {
	for name, tc := range map[string]struct {
		id string
		ok bool
	}{
		"Plain":      {"gateway-1.prod_x~", true},
		"ErrEmpty":   {"", false},
		"ErrColon":   {"a:b", false},
		"ErrSpace":   {"a b", false},
		"ErrUnicode": {"gätewäy", false},
		"ErrLong":    {string(make([]byte, 65)), false},
	} {
		t.Run(name, func(t *testing.T) {
			if err := tokenmanager.ValidClientID(tc.id); (err == nil) != tc.ok {
				t.Fatalf("ValidClientID(%q) = %v, want ok=%v", tc.id, err, tc.ok)
			}
		})
	}
}
