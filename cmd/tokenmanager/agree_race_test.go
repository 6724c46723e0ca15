package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// raceTrials is how many refresh/cancel races each case runs: 1,000, or
// 200 with -short or under the race detector (which slows each race
// tenfold); TM_RACE_TRIALS sets it (the figures in docs/reliability.md).
func raceTrials(t *testing.T) int {
	if v, err := strconv.Atoi(os.Getenv("TM_RACE_TRIALS")); err == nil && v > 0 {
		return v
	}
	if testing.Short() || raceDetector {
		return 200
	}
	return 1000
}

// raceOutcome counts what the races did.
type raceOutcome struct {
	trials, refreshed, refused, survivors atomic.Int64
	errs                                  atomic.Int64
	firstErr                              atomic.Pointer[string]
}

func (o *raceOutcome) fail(format string, args ...any) {
	o.errs.Add(1)
	s := fmt.Sprintf(format, args...)
	o.firstErr.CompareAndSwap(nil, &s)
}

// TestRefreshRacesCancel races a refresh on instance B against a
// cancellation of its session (or its user) on instance A, both on one
// Redis, raceTrials times each. A survivor is an access or refresh token
// returned by the refresh that still works on either instance once both
// calls have returned (and B has heard of the cancellation): there must be
// none, also when B's clock runs 3s ahead of Redis's (within --leeway).
// The embedded case does the same on one instance.
func TestRefreshRacesCancel(t *testing.T) {
	rs := redistest.Start(t)
	a, b := startShared(t, rs.URL()), startShared(t, rs.URL())
	ahead := startSkewed(t, rs.URL(), 3*time.Second, "--max-clock-offset", "5s") // within --leeway
	ahead.waitStatus("/readyz", "", 200, 20*time.Second)
	emb := startServer(t, t.TempDir())
	for _, tc := range []struct {
		name     string
		a, b     *testServer
		kind     string
		instance string
	}{
		{"Redis/Session", a, b, "session", "two"},
		{"Redis/User", a, b, "user", "two"},
		{"Redis/SessionClockAhead", a, ahead, "session", "two (B 3s ahead)"},
		{"Redis/UserClockAhead", a, ahead, "user", "two (B 3s ahead)"},
		{"Embedded/Session", emb, emb, "session", "one"},
		{"Embedded/User", emb, emb, "user", "one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := runRaces(t, tc.a, tc.b, tc.kind, raceTrials(t))
			t.Logf("%s races on %s instance(s): %d trials, refresh won %d, refused %d, survivors %d",
				tc.kind, tc.instance, o.trials.Load(), o.refreshed.Load(), o.refused.Load(), o.survivors.Load())
			if n := o.errs.Load(); n > 0 {
				t.Fatalf("%d trials failed to run; first: %s", n, *o.firstErr.Load())
			}
			if n := o.survivors.Load(); n > 0 {
				t.Fatalf("%d of %d refreshes kept a working token after the cancellation", n, o.trials.Load())
			}
		})
	}
}

// runRaces runs n races, 16 at a time.
func runRaces(t *testing.T, a, b *testServer, kind string, n int) *raceOutcome {
	t.Helper()
	admin := a.user("root")
	o := &raceOutcome{}
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				raceOnce(a, b, kind, fmt.Sprintf("race-%s-%s-%d", kind, strings.ReplaceAll(t.Name(), "/", "-"), i), admin.AccessToken, o)
			}
		}()
	}
	wg.Wait()
	return o
}

// raceOnce signs a user in, then refreshes on b while cancelling on a.
func raceOnce(a, b *testServer, kind, name, admin string, o *raceOutcome) {
	tk, err := signInQuiet(a.URL, name, true)
	if err != nil {
		o.fail("sign-in: %v", err)
		return
	}
	o.trials.Add(1)
	var got tokens
	var refreshStatus, cancelStatus int
	var wg sync.WaitGroup
	start := make(chan struct{})
	wg.Add(2)
	go func() {
		defer wg.Done()
		<-start
		jitter()
		refreshStatus, got = tryRefresh(b.URL, tk.RefreshToken)
	}()
	go func() {
		defer wg.Done()
		<-start
		jitter()
		if kind == "session" {
			cancelStatus = send("DELETE", a.URL+"/sessions/"+tk.SessionID, tk.AccessToken)
		} else {
			cancelStatus = send("POST", a.URL+"/admin/users/"+name+"/cancel", admin)
		}
	}()
	close(start)
	wg.Wait()
	if cancelStatus != 204 {
		o.fail("cancel %s: %d", kind, cancelStatus)
		return
	}
	switch refreshStatus {
	case 200:
		o.refreshed.Add(1)
	case 400, 401:
		o.refused.Add(1)
		return
	default:
		o.fail("refresh: %d", refreshStatus)
		return
	}
	if !heard(b, tk.AccessToken) {
		o.fail("instance B never refused the victim's first access token")
		return
	}
	if survived(a, b, got) {
		o.survivors.Add(1)
	}
}

// jitter waits 0 to 2ms, so that both orders of the two calls occur.
func jitter() {
	if d := time.Duration(rand.N(2000)) * time.Microsecond; d > 1000*time.Microsecond {
		time.Sleep(d - 1000*time.Microsecond)
	}
}

// heard waits until s refuses access (the cancellation reached it).
func heard(s *testServer, access string) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if send("GET", s.URL+"/auth/verify", access) == 401 {
			return true
		}
	}
	return false
}

// survived reports whether a token of got still works on a or b.
func survived(a, b *testServer, got tokens) bool {
	for _, s := range []*testServer{a, b} {
		if send("GET", s.URL+"/auth/verify", got.AccessToken) == 200 {
			return true
		}
	}
	for _, s := range []*testServer{b, a} {
		if st, _ := tryRefresh(s.URL, got.RefreshToken); st == 200 {
			return true
		}
	}
	return false
}

// tryRefresh posts a refresh once and returns the status and the tokens.
func tryRefresh(base, refresh string) (int, tokens) {
	var tk tokens
	res, err := http.Post(base+"/tokens/refresh", "application/json",
		strings.NewReader(fmt.Sprintf(`{"refresh_token":%q}`, refresh)))
	if err != nil {
		return 0, tk
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode == 200 {
		json.Unmarshal(body, &tk)
	}
	return res.StatusCode, tk
}

// send makes a request with a bearer token and returns the status (0 when
// the request failed).
func send(method, url, bearer string) int {
	req, _ := http.NewRequest(method, url, nil)
	req.Header.Set("Authorization", "Bearer "+bearer)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}
