package jose

import (
	"cmp"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// benchTokens signs n distinct tokens (each its own jti, subject and
// session) valid for an hour from now.
func benchTokens(b *testing.B, c *Codec, n int) []string {
	toks := make([]string, n)
	now := time.Now()
	for i := range toks {
		cl := claims()
		cl.IssuedAt, cl.ExpiresAt = now, now.Add(time.Hour)
		cl.ID, cl.Subject, cl.SessionID = fmt.Sprint("jti-", i), fmt.Sprint("user-", i), fmt.Sprint("sid-", i)
		toks[i] = mustSign(b, c, cl)
	}
	return toks
}

// BenchmarkParse is the miss path: verifying a token never seen before,
// per algorithm, three ways in the same run:
//
//   - tokenmanager: Codec.Parse (every check of docs/security.md);
//   - golang-jwt: golang-jwt's own parse of the same token, as a plain
//     service does it (jwt.Parse with map claims, the method pinned, exp
//     required), the comparator's code;
//   - signature: the bare signature check alone (ed25519.Verify, or
//     SHA-256 and ecdsa.Verify / rsa.VerifyPKCS1v15 / HMAC), with the
//     signature already decoded: the floor.
//
// The tokens are 1024 distinct ones, taken in turn.
//
//	go test -run '^$' -bench BenchmarkParse -count 6 ./jose
func BenchmarkParse(b *testing.B) {
	for _, alg := range Algs {
		c, _ := mustCodec(b, alg, Options{Issuer: "https://tm.test", Audience: []string{"api"}, Leeway: time.Second})
		c.opts.Now = time.Now
		toks := benchTokens(b, c, 1024)
		k := c.keys.Load().active
		b.Run(alg+"/tokenmanager", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := c.Parse(toks[i&1023]); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(alg+"/golang-jwt", func(b *testing.B) {
			p := jwt.NewParser(jwt.WithValidMethods([]string{alg}), jwt.WithExpirationRequired())
			key := func(*jwt.Token) (any, error) { return k.pub, nil }
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := p.Parse(toks[i&1023], key); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(alg+"/signature", func(b *testing.B) {
			check := bareCheck(b, k, toks)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if !check(i & 1023) {
					b.Fatal("signature refused")
				}
			}
		})
	}
}

// bareCheck returns the signature check of toks[i] with nothing else:
// inputs and signatures decoded beforehand.
func bareCheck(b *testing.B, k *parsedKey, toks []string) func(i int) bool {
	ins, sigs := make([][]byte, len(toks)), make([][]byte, len(toks))
	for i, t := range toks {
		dot := strings.LastIndexByte(t, '.')
		ins[i] = []byte(t[:dot])
		var err error
		if sigs[i], err = strictB64.DecodeString(t[dot+1:]); err != nil {
			b.Fatal(err)
		}
	}
	switch pub := k.pub.(type) {
	case ed25519.PublicKey:
		return func(i int) bool { return ed25519.Verify(pub, ins[i], sigs[i]) }
	case *ecdsa.PublicKey:
		rs := make([][2]*big.Int, len(toks))
		for i, s := range sigs {
			rs[i] = [2]*big.Int{new(big.Int).SetBytes(s[:32]), new(big.Int).SetBytes(s[32:])}
		}
		return func(i int) bool {
			sum := sha256.Sum256(ins[i])
			return ecdsa.Verify(pub, sum[:], rs[i][0], rs[i][1])
		}
	case *rsa.PublicKey:
		return func(i int) bool {
			sum := sha256.Sum256(ins[i])
			return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sigs[i]) == nil
		}
	case []byte:
		return func(i int) bool {
			m := hmac.New(sha256.New, pub)
			m.Write(ins[i])
			return hmac.Equal(m.Sum(nil), sigs[i])
		}
	}
	b.Fatalf("no bare check for %T", k.pub)
	return nil
}

// BenchmarkParseOverhead measures the miss path robustly on a shared
// machine: each iteration times, in rotating order, Parse of one token,
// golang-jwt's parse of it and the bare signature check of it, so that a
// slow spell slows all three alike. It reports the median of each
// (tokenmanager-ns, golang-jwt-ns, signature-ns) and the medians of the
// per-iteration ratios (parse/signature, parse/golang-jwt): a preempted
// iteration moves a mean, not these.
//
//	go test -run '^$' -bench BenchmarkParseOverhead -count 6 ./jose
func BenchmarkParseOverhead(b *testing.B) {
	for _, alg := range Algs {
		c, _ := mustCodec(b, alg, Options{Issuer: "https://tm.test", Audience: []string{"api"}, Leeway: time.Second})
		c.opts.Now = time.Now
		toks := benchTokens(b, c, 1024)
		k := c.keys.Load().active
		check := bareCheck(b, k, toks)
		jp := jwt.NewParser(jwt.WithValidMethods([]string{alg}), jwt.WithExpirationRequired())
		key := func(*jwt.Token) (any, error) { return k.pub, nil }
		b.Run(alg, func(b *testing.B) {
			var ours, theirs, bare []time.Duration
			var toBare, toJWT []float64
			for i := 0; b.Loop(); i++ {
				j := i & 1023
				var t [3]time.Duration
				for n := range 3 {
					switch (i + n) % 3 {
					case 0:
						t[0] = timed(b, func() error { _, err := c.Parse(toks[j]); return err })
					case 1:
						t[1] = timed(b, func() error { _, err := jp.Parse(toks[j], key); return err })
					case 2:
						t[2] = timed(b, func() error {
							if !check(j) {
								return errors.New("signature refused")
							}
							return nil
						})
					}
				}
				ours, theirs, bare = append(ours, t[0]), append(theirs, t[1]), append(bare, t[2])
				toBare, toJWT = append(toBare, float64(t[0])/float64(t[2])), append(toJWT, float64(t[0])/float64(t[1]))
			}
			b.ReportMetric(float64(median(ours)), "tokenmanager-ns")
			b.ReportMetric(float64(median(theirs)), "golang-jwt-ns")
			b.ReportMetric(float64(median(bare)), "signature-ns")
			b.ReportMetric(median(toBare), "parse/signature")
			b.ReportMetric(median(toJWT), "parse/golang-jwt")
		})
	}
}

// timed runs f and returns how long it took.
func timed(b *testing.B, f func() error) time.Duration {
	start := time.Now()
	if err := f(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

func median[T cmp.Ordered](v []T) T {
	slices.Sort(v)
	return v[len(v)/2]
}
