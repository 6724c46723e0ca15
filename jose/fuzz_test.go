package jose

import (
	"math/big"
	"strings"
	"testing"

	"github.com/tokenmanager/tokenmanager"
)

// FuzzParse feeds Parse arbitrary strings, on codecs of every algorithm.
// It must never panic, must refuse with EInvalidToken without echoing the
// input, and must accept nothing but a token the codec itself signed (or,
// for ES256, its high-s twin: see TestHighSOfLiveToken). Seeds are in
// testdata/fuzz/FuzzParse; run it longer with
//
//	go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 5m ./jose
func FuzzParse(f *testing.F) {
	var codecs []*Codec
	signed := map[string]bool{}
	for _, alg := range Algs {
		c, _ := mustCodec(f, alg, secOpts)
		codecs = append(codecs, c)
		tok := mustSign(f, c, claims())
		signed[tok] = true
		f.Add(tok)
		if alg == "ES256" {
			p := strings.Split(tok, ".")
			sig, _ := enc.DecodeString(p[2])
			s := p256N()
			s.Sub(s, new(big.Int).SetBytes(sig[32:]))
			signed[p[0]+"."+p[1]+"."+enc.EncodeToString(append(sig[:32:32], s.FillBytes(make([]byte, 32))...))] = true
		}
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, c := range codecs {
			_, err := c.Parse(raw)
			switch {
			case err == nil && !signed[raw]:
				t.Fatalf("%s codec accepted a token it did not sign: %q", c.Alg(), raw)
			case err != nil && tokenmanager.ErrorCode(err) != tokenmanager.EInvalidToken:
				t.Fatalf("%s codec: error code %q (%v)", c.Alg(), tokenmanager.ErrorCode(err), err)
			case err != nil && len(raw) >= 16 && strings.Contains(err.Error(), raw):
				t.Fatalf("the error echoes the input: %v", err)
			}
		}
	})
}
