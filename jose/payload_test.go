package jose

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tokenmanager/tokenmanager"
)

// referenceParse is how Parse worked before its own decoder: golang-jwt's
// parser and validator, with wireClaims decoded by encoding/json. The
// tests below hold the new decoder to it.
func referenceParse(c *Codec, raw string) (*tokenmanager.Claims, error) {
	o := c.opts
	opts := []jwt.ParserOption{jwt.WithValidMethods(Algs), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithLeeway(o.Leeway), jwt.WithTimeFunc(o.Now), jwt.WithStrictDecoding()}
	if o.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(o.Issuer))
	}
	if len(o.Audience) > 0 {
		opts = append(opts, jwt.WithAudience(o.Audience...))
	}
	w := &wireClaims{}
	t, err := jwt.NewParser(opts...).ParseWithClaims(raw, w, c.keyFor)
	if err != nil {
		return nil, err
	}
	return w.claims(t.Header["kid"].(string)), nil
}

// payloadCodecs are the codecs the payload tests sign with: one with the
// security policy (issuer and audience required), one without.
func payloadCodecs(t testing.TB) []*Codec {
	a, _ := mustCodec(t, "HS256", secOpts)
	b, _ := mustCodec(t, "HS256", Options{Leeway: secOpts.Leeway})
	return []*Codec{a, b}
}

// comparePayload signs payload with each codec's key and checks that Parse
// and referenceParse agree: both accept with the same claims, or both
// refuse. Differences by design: a claim name in another case ("SUB",
// "Aud") is an unknown name to Parse, where encoding/json matched names
// without case (otherCase: such a payload is not compared); and Parse
// alone refuses text after the JSON object and a date beyond year 5138.
func comparePayload(t *testing.T, payload string) {
	for _, c := range payloadCodecs(t) {
		k := c.keys.Load().active
		raw := forge(t, k.method, k.priv, hdr("HS256", k.ID), payload)
		got, gotErr := c.Parse(raw)
		want, wantErr := referenceParse(c, raw)
		switch {
		case gotErr != nil && tokenmanager.ErrorCode(gotErr) != tokenmanager.EInvalidToken:
			t.Fatalf("error code %q: %v", tokenmanager.ErrorCode(gotErr), gotErr)
		case gotErr != nil && wantErr != nil, otherCase(payload):
		case gotErr == nil && wantErr == nil:
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("payload %q:\n got %+v\nwant %+v", payload, got, want)
			}
		case gotErr == nil:
			t.Fatalf("payload %q accepted (%+v); the reference refused it: %v", payload, got, wantErr)
		case !byDesign(payload, want):
			t.Fatalf("payload %q refused (%v); the reference accepted it: %+v", payload, gotErr, want)
		}
	}
}

// byDesign reports whether a payload the reference accepted is one that
// Parse refuses on purpose.
func byDesign(payload string, want *tokenmanager.Claims) bool {
	if !json.Valid([]byte(payload)) { // golang-jwt read the first value only
		return true
	}
	for _, t := range []int64{want.ExpiresAt.Unix(), want.NotBefore.Unix()} {
		if math.Abs(float64(t)) > maxDate {
			return true
		}
	}
	return false
}

// otherCase reports whether payload has a top-level name that only
// matches a claim's without case.
func otherCase(payload string) bool {
	var m map[string]json.RawMessage
	json.Unmarshal([]byte(payload), &m)
	for name := range m {
		for _, claim := range []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "sid"} {
			if name != claim && strings.EqualFold(name, claim) {
				return true
			}
		}
	}
	return false
}

// payloadCases are payloads for the decoder, valid and not; the epoch of
// the tests is 1795694400.
var payloadCases = map[string]string{
	"Ours":            `{"iss":"https://tm.test","sub":"alice","aud":["api"],"exp":1795694700,"iat":1795694400.123,"jti":"jti-1","sid":"sid-1"}`,
	"AudString":       `{"iss":"https://tm.test","sub":"a","aud":"api","exp":1795694700,"iat":1795694400,"jti":"j"}`,
	"AudEmptyArray":   `{"iss":"https://tm.test","sub":"a","aud":[],"exp":1795694700,"iat":1795694400,"jti":"j"}`,
	"AudEmptyString":  `{"iss":"https://tm.test","sub":"a","aud":"","exp":1795694700,"iat":1795694400,"jti":"j"}`,
	"AudNullKeeps":    `{"iss":"https://tm.test","sub":"a","aud":["api"],"aud":null,"exp":1795694700,"iat":1795694400,"jti":"j"}`,
	"AudMixed":        `{"sub":"a","aud":["api",1],"exp":1795694700,"iat":1795694400,"jti":"j"}`,
	"AudNested":       `{"sub":"a","aud":[["api"]],"exp":1795694700,"iat":1795694400,"jti":"j"}`,
	"Whitespace":      " \t\r\n{ \"iss\" : \"https://tm.test\" ,\n\"sub\":\"a\",\"aud\":[ \"api\" ] ,\"exp\": 1795694700 ,\"iat\":1795694400,\"jti\":\"j\"}\n ",
	"Escapes":         `{"iss":"https:\/\/tm.test","sub":"\u0061\n\"x\"","aud":["api"],"exp":1795694700,"iat":1795694400,"jti":"\ud83d\ude00"}`,
	"EscapedName":     `{"iss":"https://tm.test","\u0073ub":"a","aud":["api"],"exp":1795694700,"iat":1795694400,"jti":"j"}`,
	"BadEscape":       `{"sub":"\x","exp":1795694700,"iat":1795694400,"jti":"j"}`,
	"LoneSurrogate":   `{"iss":"https://tm.test","sub":"\ud800","aud":["api"],"exp":1795694700,"iat":1795694400,"jti":"j"}`,
	"InvalidUTF8":     "{\"iss\":\"https://tm.test\",\"sub\":\"\xff\xfe\",\"aud\":[\"api\"],\"exp\":1795694700,\"iat\":1795694400,\"jti\":\"j\"}",
	"NonASCII":        `{"iss":"https://tm.test","sub":"ålice","aud":["api"],"exp":1795694700,"iat":1795694400,"jti":"j"}`,
	"ControlChar":     "{\"sub\":\"a\tb\",\"exp\":1795694700,\"iat\":1795694400,\"jti\":\"j\"}",
	"Duplicates":      `{"iss":"https://tm.test","sub":"a","sub":"b","aud":["api"],"exp":1,"exp":1795694700,"iat":1795694400,"jti":"j"}`,
	"NullSubKeeps":    `{"iss":"https://tm.test","sub":"a","sub":null,"aud":["api"],"exp":1795694700,"iat":1795694400,"jti":"j"}`,
	"NullExpClears":   `{"iss":"https://tm.test","sub":"a","aud":["api"],"exp":1795694700,"exp":null,"iat":1795694400,"jti":"j"}`,
	"UnknownNested":   `{"iss":"https://tm.test","x":{"a":[1,2,{"b":null}],"c":true,"d":false,"e":-1.5e-3},"sub":"a","aud":["api"],"exp":1795694700,"iat":1795694400,"jti":"j"}`,
	"UnknownBadValue": `{"x":[1,],"sub":"a","exp":1795694700,"iat":1795694400,"jti":"j"}`,
	"Nbf":             `{"iss":"https://tm.test","sub":"a","aud":["api"],"exp":1795694700,"nbf":1795694399.5,"iat":1795694400,"jti":"j"}`,
	"ExpFraction":     `{"iss":"https://tm.test","sub":"a","aud":["api"],"exp":1795694700.999,"iat":1795694400,"jti":"j"}`,
	"ExpExponent":     `{"iss":"https://tm.test","sub":"a","aud":["api"],"exp":1.7956947E9,"iat":1795694400,"jti":"j"}`,
	"ExpLeadingZero":  `{"sub":"a","exp":01795694700,"iat":1795694400,"jti":"j"}`,
	"ExpPlus":         `{"sub":"a","exp":+1795694700,"iat":1795694400,"jti":"j"}`,
	"ExpDotOnly":      `{"sub":"a","exp":1795694700.,"iat":1795694400,"jti":"j"}`,
	"ExpOverflow":     `{"sub":"a","exp":1e400,"iat":1795694400,"jti":"j"}`,
	"ExpHuge":         `{"iss":"https://tm.test","sub":"a","aud":["api"],"exp":1e300,"iat":1795694400,"jti":"j"}`,
	"ExpTrue":         `{"sub":"a","exp":true,"iat":1795694400,"jti":"j"}`,
	"IatString":       `{"sub":"a","exp":1795694700,"iat":"1795694400","jti":"j"}`,
	"TrailingGarbage": `{"iss":"https://tm.test","sub":"a","aud":["api"],"exp":1795694700,"iat":1795694400,"jti":"j"}x`,
	"TwoObjects":      `{"iss":"https://tm.test","sub":"a","aud":["api"],"exp":1795694700,"iat":1795694400,"jti":"j"}{}`,
	"UpperCaseName":   `{"iss":"https://tm.test","SUB":"a","aud":["api"],"exp":1795694700,"iat":1795694400,"jti":"j"}`,
	"Array":           `[]`,
	"Empty":           ``,
	"Null":            `null`,
	"Unterminated":    `{"sub":"a"`,
	"MissingColon":    `{"sub" "a"}`,
	"TrailingComma":   `{"sub":"a",}`,
	"DeepUnknown":     `{"x":` + strings.Repeat("[", 500) + strings.Repeat("]", 500) + `,"sub":"a"}`,
}

// TestPayloadDecoder: the decoder agrees with encoding/json and golang-jwt
// on every case, apart from the refusals by design (byDesign).
func TestPayloadDecoder(t *testing.T) {
	for name, p := range payloadCases {
		t.Run(name, func(t *testing.T) { comparePayload(t, p) })
	}
}

// FuzzPayload signs arbitrary payloads with the server's own key, so that
// the fuzzer reaches the claims decoder (FuzzParse's inputs stop at the
// signature), and holds Parse to the reference. Seeds: payloadCases and
// testdata/fuzz/FuzzPayload.
//
//	go test -run '^$' -fuzz '^FuzzPayload$' -fuzztime 5m ./jose
func FuzzPayload(f *testing.F) {
	for _, p := range payloadCases {
		f.Add(p)
	}
	f.Fuzz(comparePayload)
}
