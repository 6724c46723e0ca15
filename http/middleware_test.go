package http_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

func TestFromAuthorizationHeader(t *testing.T) {
	for _, tc := range []struct {
		name    string
		headers []string
		want    string
		code    string // "" for no error
	}{
		{"OK", []string{"Bearer abc.def-_~+/="}, "abc.def-_~+/=", ""},
		{"SchemeCaseInsensitive", []string{"bEaReR tok"}, "tok", ""},
		{"ExtraSpacesBeforeToken", []string{"Bearer   tok"}, "tok", ""},
		{"None", nil, "", ""},
		{"OtherScheme", []string{"Basic dXNlcjpwYXNz"}, "", ""},
		{"SchemeOnly", []string{"Bearer"}, "", tokenmanager.EInvalid},
		{"TwoTokens", []string{"Bearer a b"}, "", tokenmanager.EInvalid},
		{"BadCharacters", []string{`Bearer a"b`}, "", tokenmanager.EInvalid},
		{"OnlyPadding", []string{"Bearer ==="}, "", tokenmanager.EInvalid},
		{"PaddingInside", []string{"Bearer a=b"}, "", tokenmanager.EInvalid},
		{"TwoHeaders", []string{"Bearer a", "Bearer b"}, "", tokenmanager.EInvalid},
		{"TooLong", []string{"Bearer " + strings.Repeat("a", tmhttp.MaxAuthorizationLen)}, "", tokenmanager.ETooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			for _, h := range tc.headers {
				r.Header.Add("Authorization", h)
			}
			got, err := tmhttp.FromAuthorizationHeader(r)
			if got != tc.want || tokenmanager.ErrorCode(err) != tc.code {
				t.Fatalf("= %q, %v; want %q, code %q", got, err, tc.want, tc.code)
			}
		})
	}
}

func TestFromCookie(t *testing.T) {
	find := tmhttp.FromCookie("at")
	for _, tc := range []struct {
		name, cookie, want, code string
	}{
		{"OK", "at=abc.def", "abc.def", ""},
		{"Missing", "other=x", "", ""},
		{"Malformed", "at=a%20b", "", tokenmanager.EInvalid},
		{"TooLong", "at=" + strings.Repeat("a", tmhttp.MaxAuthorizationLen+1), "", tokenmanager.ETooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Cookie", tc.cookie)
			got, err := find(r)
			if got != tc.want || tokenmanager.ErrorCode(err) != tc.code {
				t.Fatalf("= %q, %v; want %q, code %q", got, err, tc.want, tc.code)
			}
		})
	}
}

// stubVerifier accepts the token "good" for alice.
type stubVerifier struct{}

func (stubVerifier) Verify(_ context.Context, raw string) (*tokenmanager.Claims, error) {
	if raw == "good" {
		return &tokenmanager.Claims{Subject: "alice", ID: "j1", ExpiresAt: time.Now().Add(time.Minute)}, nil
	}
	return nil, tokenmanager.Errorf(tokenmanager.EInvalidToken, "the token is invalid")
}

func TestVerifyNeverRefuses(t *testing.T) {
	h := tmhttp.Verify(stubVerifier{}, tmhttp.FromAuthorizationHeader, tmhttp.FromCookie("at"))(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, ok := tmhttp.ClaimsFrom(r.Context())
			err := tmhttp.ErrorFrom(r.Context())
			switch {
			case ok && err == nil:
				io.WriteString(w, "user "+c.Subject)
			case errors.Is(err, tmhttp.ErrNoToken):
				io.WriteString(w, "anonymous")
			default:
				io.WriteString(w, "refused: "+tokenmanager.ErrorCode(err))
			}
		}))
	for _, tc := range []struct{ name, header, value, want string }{
		{"Header", "Authorization", "Bearer good", "user alice"},
		{"Cookie", "Cookie", "at=good", "user alice"},
		{"None", "", "", "anonymous"},
		{"BadToken", "Authorization", "Bearer bad", "refused: invalid_token"},
		{"Malformed", "Authorization", "Bearer a b", "refused: invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if tc.header != "" {
				r.Header.Set(tc.header, tc.value)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK || w.Body.String() != tc.want {
				t.Fatalf("= %d %q, want 200 %q", w.Code, w.Body, tc.want)
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	h := tmhttp.Authenticate(stubVerifier{})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	for _, tc := range []struct {
		name, auth string
		status     int
		challenge  string
	}{
		{"OK", "Bearer good", 200, ""},
		{"NoToken", "", 401, `Bearer realm="tokenmanager"`},
		{"BadToken", "Bearer bad", 401, `Bearer error="invalid_token", error_description="the token is invalid"`},
		{"Malformed", "Bearer a b", 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.status || w.Header().Get("WWW-Authenticate") != tc.challenge {
				t.Fatalf("= %d %q, want %d %q", w.Code, w.Header().Get("WWW-Authenticate"), tc.status, tc.challenge)
			}
		})
	}
}

func TestRequireWithoutVerify(t *testing.T) {
	h := tmhttp.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("served") }))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("status = %d, want 401", w.Code)
	}
}
