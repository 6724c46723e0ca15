package http_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tokenmanager/tokenmanager"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

// The input-and-abuse cases of issue 5, one table per group. Every case
// is a 4xx with the one error shape, never a 2xx, a 5xx or a panic.

// TestHostileBodies sends every JSON route every kind of broken body.
func TestHostileBodies(t *testing.T) {
	e := newEnv(t, func(s *setup) { s.maxBody = 1024 })
	root := e.user(t, "root")
	big := strings.Repeat("a", 2000)
	for _, rt := range []struct {
		path, field string
		admin       bool
	}{
		{"/sign-up", "username", false},
		{"/sign-in", "username", false},
		{"/tokens/refresh", "refresh_token", false},
		{"/tokens/revoke", "refresh_token", false},
		{"/admin/tokens/cancel", "token", true},
	} {
		f := `"` + rt.field + `"`
		for _, tc := range []struct {
			name, body string
			status     int
			code       string
		}{
			{"Malformed", `{` + f + `:`, 400, tokenmanager.EInvalid},
			{"SyntaxError", `{` + f + ` "x"}`, 400, tokenmanager.EInvalid},
			{"SingleQuotes", `{'` + rt.field + `':'x'}`, 400, tokenmanager.EInvalid},
			{"WrongTypeNumber", `{` + f + `:42}`, 400, tokenmanager.EInvalid},
			{"WrongTypeArray", `{` + f + `:["x"]}`, 400, tokenmanager.EInvalid},
			{"WrongTypeObject", `{` + f + `:{"x":1}}`, 400, tokenmanager.EInvalid},
			{"WrongTypeBool", `{` + f + `:true}`, 400, tokenmanager.EInvalid},
			{"UnknownField", `{` + f + `:"x","admin":true}`, 400, tokenmanager.EInvalid},
			{"NotAnObject", `["x"]`, 400, tokenmanager.EInvalid},
			{"BareString", `"x"`, 400, tokenmanager.EInvalid},
			{"TwoObjects", `{` + f + `:"x"}{` + f + `:"y"}`, 400, tokenmanager.EInvalid},
			{"TrailingGarbage", `{` + f + `:"x"}garbage`, 400, tokenmanager.EInvalid},
			{"Empty", ``, 400, tokenmanager.EInvalid},
			{"DeeplyNested", `{"x":` + strings.Repeat("[", 400) + strings.Repeat("]", 400) + `}`, 400, tokenmanager.EInvalid},
			{"OverLimitValue", `{` + f + `:"` + big + `"}`, 413, tokenmanager.ETooLarge},
			{"OverLimitWhitespace", `{` + f + `:"x"}` + strings.Repeat(" ", 2000), 413, tokenmanager.ETooLarge},
			{"OverLimitUnknownField", `{"` + big + `":1}`, 413, tokenmanager.ETooLarge},
		} {
			t.Run(strings.TrimPrefix(rt.path, "/")+"/"+tc.name, func(t *testing.T) {
				var hdr []string
				if rt.admin {
					hdr = []string{"Bearer", root.AccessToken}
				}
				wantError(t, e.call(t, "POST", rt.path, tc.body, hdr...), tc.status, tc.code)
			})
		}
	}
}

// TestOversizedHeaders: the Authorization header is bounded before any
// decoding, and headers a client chooses are bounded or replaced.
func TestOversizedHeaders(t *testing.T) {
	e := newEnv(t)
	p := e.user(t, "alice")
	huge := strings.Repeat("a", 64<<10)
	for _, tc := range []struct {
		name   string
		hdr    []string
		status int
		code   string
	}{
		{"AuthorizationOverLimit", []string{"Authorization", "Bearer " + strings.Repeat("a", tmhttp.MaxAuthorizationLen)}, 413, tokenmanager.ETooLarge},
		{"AuthorizationHuge", []string{"Authorization", "Bearer " + huge}, 413, tokenmanager.ETooLarge},
		{"AuthorizationAtLimit", []string{"Authorization", "Bearer " + strings.Repeat("a", tmhttp.MaxAuthorizationLen-7)}, 401, tokenmanager.EInvalidToken},
		{"ManyAuthorizationHeaders", []string{"Authorization", "Bearer a", "Authorization", "Bearer b", "Authorization", "Bearer c"}, 400, tokenmanager.EInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, e.call(t, "GET", "/account", nil, tc.hdr...), tc.status, tc.code)
		})
	}
	t.Run("HugeRequestIDReplaced", func(t *testing.T) {
		r := e.call(t, "GET", "/healthz", nil, "X-Request-Id", huge)
		if id := r.Header.Get("X-Request-Id"); len(id) > 64 || id == "" {
			t.Fatalf("X-Request-Id of %d bytes echoed", len(id))
		}
	})
	t.Run("HugeUserAgentTruncated", func(t *testing.T) {
		q := e.signIn(t, "alice", "User-Agent", huge)
		if s := e.sessions(t, p.AccessToken).find(q.SessionID); s == nil || len(s.UserAgent) > 256 {
			t.Fatalf("session %+v", s)
		}
	})
}

// TestTokenTypeConfusion: a refresh token is no access token, and an
// access token is no refresh token.
func TestTokenTypeConfusion(t *testing.T) {
	e := newEnv(t)
	p := e.user(t, "alice")
	for _, tc := range []struct {
		name, method, path string
		body               any
		bearer             string
		status             int
		code               string
	}{
		{"RefreshTokenAsBearer", "GET", "/account", nil, p.RefreshToken, 401, tokenmanager.EInvalidToken},
		{"RefreshTokenToForwardAuth", "GET", "/auth/verify", nil, p.RefreshToken, 401, tokenmanager.EInvalidToken},
		{"RefreshTokenToCancel", "POST", "/tokens/cancel", nil, p.RefreshToken, 401, tokenmanager.EInvalidToken},
		{"AccessTokenToRefresh", "POST", "/tokens/refresh", map[string]string{"refresh_token": p.AccessToken}, "", 401, tokenmanager.EInvalidGrant},
		{"AccessTokenToRevokeIsNoOp", "POST", "/tokens/revoke", map[string]string{"refresh_token": p.AccessToken}, "", 204, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.bearer != "" {
				hdr = []string{"Bearer", tc.bearer}
			}
			r := e.call(t, tc.method, tc.path, tc.body, hdr...)
			if tc.code == "" {
				wantStatus(t, r, tc.status)
				return
			}
			wantError(t, r, tc.status, tc.code)
		})
	}
	t.Run("SessionUntouched", func(t *testing.T) {
		if !e.works(t, p.AccessToken) {
			t.Fatal("a token of the wrong type cancelled the session")
		}
		wantStatus(t, e.refresh(t, p.RefreshToken), http.StatusOK)
	})
}

// TestUsernames: length and character rules, and look-alike spellings
// of a taken name, which are the same name (409), never a second account.
func TestUsernames(t *testing.T) {
	e := newEnv(t)
	for _, n := range []string{"alice", "josé", "kate"} {
		e.user(t, n)
	}
	for _, tc := range []struct {
		name, username string
		status         int
		code           string
	}{
		{"MaxLength", strings.Repeat("x", tokenmanager.MaxUsernameLen), 201, ""},
		{"Punctuation", "o'brien-smith.jr", 201, ""},
		{"TooLong", strings.Repeat("y", tokenmanager.MaxUsernameLen+1), 400, tokenmanager.EInvalid},
		{"TooLongInBytes", strings.Repeat("é", tokenmanager.MaxUsernameLen/2+1), 400, tokenmanager.EInvalid},
		{"Empty", "", 400, tokenmanager.EInvalid},
		{"Space", "al ice", 400, tokenmanager.EInvalid},
		{"TrailingSpace", "bob ", 400, tokenmanager.EInvalid},
		{"NUL", "bob\x00", 400, tokenmanager.EInvalid},
		{"Newline", "bob\nadmin", 400, tokenmanager.EInvalid},
		{"ZeroWidthSpace", "alice\u200b", 400, tokenmanager.EInvalid},
		{"SoftHyphen", "ali\u00adce", 400, tokenmanager.EInvalid},
		{"RightToLeftOverride", "bob\u202e", 400, tokenmanager.EInvalid},
		{"MixedDirection", "a\u05d0", 400, tokenmanager.EInvalid},
		{"Ligature", "\ufb01le", 400, tokenmanager.EInvalid},
		{"RomanNumeral", "\u2168", 400, tokenmanager.EInvalid},
		{"Emoji", "bob\U0001F600", 400, tokenmanager.EInvalid},
		{"InvalidUTF8", "bob\xff", 400, tokenmanager.EInvalid},
		{"UpperCase", "ALICE", 409, tokenmanager.EConflict},
		{"TitleCase", "Alice", 409, tokenmanager.EConflict},
		{"FullWidth", "ａｌｉｃｅ", 409, tokenmanager.EConflict},
		{"FullWidthUpperCase", "ＡＬＩＣＥ", 409, tokenmanager.EConflict},
		{"CombiningAccent", "jose\u0301", 409, tokenmanager.EConflict},
		{"PrecomposedUpperCase", "JOSÉ", 409, tokenmanager.EConflict},
		{"CombiningUpperCase", "JOSE\u0301", 409, tokenmanager.EConflict},
		{"KelvinSign", "\u212aate", 409, tokenmanager.EConflict},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call(t, "POST", "/sign-up", creds(tc.username, password))
			if tc.code == "" {
				wantStatus(t, r, tc.status)
				return
			}
			wantError(t, r, tc.status, tc.code)
		})
	}
	t.Run("LookAlikeSignsInToTheSameAccount", func(t *testing.T) {
		p := e.signIn(t, "ＡＬＩＣＥ")
		if acc := decode[map[string]any](t, e.call(t, "GET", "/account", nil, "Bearer", p.AccessToken)); acc["username"] != "alice" {
			t.Fatalf("account %v", acc)
		}
	})
	t.Run("MixedScriptsRefused", func(t *testing.T) {
		// Cyrillic а (U+0430) among Latin letters would pass for alice in
		// front of people: a name's letters must come from one script.
		wantError(t, e.call(t, "POST", "/sign-up", creds("\u0430lice", password)), http.StatusBadRequest, tokenmanager.EInvalid)
	})
	t.Run("OneOtherScriptIsAnotherAccount", func(t *testing.T) {
		wantStatus(t, e.call(t, "POST", "/sign-up", creds("алиса", password)), http.StatusCreated)
		p := e.signIn(t, "Алиса")
		if acc := decode[map[string]any](t, e.call(t, "GET", "/account", nil, "Bearer", p.AccessToken)); acc["username"] != "алиса" {
			t.Fatalf("account %v", acc)
		}
	})
}
