package http_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
	tmhttp "github.com/tokenmanager/tokenmanager/http"
)

// TestSignInBurst sends 200 wrong guesses at once for one username from
// one address with a limit of 10 per 15 minutes: the allowance is taken
// before the password hash runs, so at most 10 guesses are checked (401)
// and counted by the hash counter, and the rest are refused (429). A burst
// after that, with the right password among the guesses, is refused whole.
func TestSignInBurst(t *testing.T) {
	const limit, burst = 10, 200
	e := newEnv(t, func(s *setup) {
		s.limit = tokenmanager.Limit{N: limit, Window: 15 * time.Minute}
		s.argon = slowerArgon // a hash long enough for requests to overlap, as real ones do
		s.server = func(srv *tmhttp.Server) { srv.TrustProxyHeaders = true }
	})
	e.user(t, "alice")
	hashesBefore := e.srv.Accounts.Stats().Hashes
	statuses := concurrentSignIns(t, e, burst, "wrong password", -1)
	if statuses[401] > limit || statuses[401]+statuses[429] != burst {
		t.Fatalf("answers %v: want at most %d checked (401), the rest 429", statuses, limit)
	}
	if n := e.srv.Accounts.Stats().Hashes - hashesBefore; n > limit {
		t.Fatalf("%d guesses were checked by the password hash, want at most %d", n, limit)
	}
	t.Run("RightPasswordInALaterBurst", func(t *testing.T) {
		statuses := concurrentSignIns(t, e, 50, "wrong password", 25)
		if statuses[429] != 50 {
			t.Fatalf("answers %v: want every one refused with 429, the right password too", statuses)
		}
	})
}

// slowerArgon costs a few milliseconds a hash: long enough for a burst's
// requests to arrive while the first ones are being checked.
var slowerArgon = tokenmanager.Argon2Params{Memory: 4 << 10, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

// concurrentSignIns sends n sign-ins for alice from one address at once,
// the one at index right with the right password, and counts the statuses.
func concurrentSignIns(t *testing.T, e *env, n int, pw string, right int) map[int]int {
	t.Helper()
	reqs := make([]*http.Request, n)
	for i := range reqs {
		p := pw
		if i == right {
			p = password
		}
		reqs[i] = newRequest(t, "POST", e.URL+"/sign-in", creds("alice", p), "X-Forwarded-For", "203.0.113.66")
	}
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		start    = make(chan struct{})
		statuses = map[int]int{}
	)
	for _, req := range reqs {
		wg.Go(func() {
			<-start
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			mu.Lock()
			statuses[res.StatusCode]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return statuses
}
