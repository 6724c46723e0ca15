// Command benchtokens writes distinct access tokens, one per line, for the
// many-token workload of scripts/bench-http: wrk presents a different one
// on each request, so the verify cache cannot answer them all.
//
//	benchtokens -n 200000 -secret-file s -issuer https://bench.test -ttl 2h > tm.txt
//	benchtokens -n 200000 -seed-url http://127.0.0.1:18081 > seed.txt
//
// With -secret-file it signs TokenManager access tokens itself, with the
// HS256 secret the server is given (--hs256-secret-file): the same key id,
// claims and lifetime as the server's own, without 200,000 sign-ins and
// their password hashes. With -seed-url it asks the comparator's
// POST /sign-in for each token, as its users would.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/jose"
)

func main() {
	n := flag.Int("n", 200_000, "number of tokens")
	secretFile := flag.String("secret-file", "", "HS256 secret file of the TokenManager server")
	issuer := flag.String("issuer", "", "the server's --issuer")
	ttl := flag.Duration("ttl", 2*time.Hour, "the server's --access-ttl")
	seedURL := flag.String("seed-url", "", "base URL of the comparator (seed design)")
	flag.Parse()
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	var err error
	switch {
	case *secretFile != "":
		err = signTokens(out, *n, *secretFile, *issuer, *ttl)
	case *seedURL != "":
		err = seedTokens(out, *n, *seedURL)
	default:
		err = errors.New("give -secret-file or -seed-url")
	}
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtokens:", err)
		os.Exit(1)
	}
}

// signTokens signs n tokens with the server's HS256 secret, each its own
// subject, session and jti, issued now.
func signTokens(out *bufio.Writer, n int, secretFile, issuer string, ttl time.Duration) error {
	b, err := os.ReadFile(secretFile)
	if err != nil {
		return err
	}
	k, err := jose.NewHMACKey(bytes.TrimSpace(b), time.Now())
	if err != nil {
		return err
	}
	ks := &tokenmanager.KeySet{Keys: []tokenmanager.SigningKey{k}, RefreshKey: tokenmanager.NewRefreshKey()}
	codec, err := jose.NewCodec(ks, jose.Options{Issuer: issuer})
	if err != nil {
		return err
	}
	now := time.Now().Truncate(time.Millisecond)
	for i := range n {
		s := strconv.Itoa(i)
		tok, err := codec.Sign(&tokenmanager.Claims{Issuer: issuer, Subject: "bench-user-" + s,
			ID: "bench-jti-" + s, SessionID: "bench-sid-" + s, IssuedAt: now, ExpiresAt: now.Add(ttl)})
		if err != nil {
			return err
		}
		out.WriteString(tok + "\n")
	}
	return nil
}

// seedTokens signs n users in at the comparator, 32 at a time.
func seedTokens(out *bufio.Writer, n int, base string) error {
	toks := make([]string, n)
	errs := make(chan error, 32)
	var wg sync.WaitGroup
	for w := range 32 {
		wg.Go(func() {
			for i := w; i < n; i += 32 {
				tok, err := seedSignIn(base, "bench-user-"+strconv.Itoa(i))
				if err != nil {
					errs <- err
					return
				}
				toks[i] = tok
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	for _, t := range toks {
		out.WriteString(t + "\n")
	}
	return nil
}

// client keeps a connection per worker, so 200,000 sign-ins do not use up
// the loopback's ports.
var client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}

func seedSignIn(base, user string) (string, error) {
	body, _ := json.Marshal(map[string]string{"Username": user})
	resp, err := client.Post(base+"/sign-in", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var v struct{ AccessToken string }
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || v.AccessToken == "" {
		return "", fmt.Errorf("sign-in at the comparator: status %d, %v", resp.StatusCode, err)
	}
	return v.AccessToken, nil
}
