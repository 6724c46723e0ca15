package main

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// TestLifecycleRacesAcrossInstances races a refresh or a sign-in on
// instance B against a disable or a deletion of the user on instance A,
// on one Redis, many times: whatever the order, no token the refresh or
// sign-in returned may work once the change is acknowledged (0 survivors).
// A refresh that starts after the cut-off would otherwise pass B's replica
// before the feed delivers the entry (Manager.Admit reads the account
// instead), and a sign-in whose password was checked before the change
// would start a session after it (Accounts.Confirm re-reads the account).
func TestLifecycleRacesAcrossInstances(t *testing.T) {
	rs := redistest.Start(t)
	a, b := startShared(t, rs.URL()), startShared(t, rs.URL())
	root := a.user("root")
	trials := 100
	if testing.Short() {
		trials = 30
	}
	racers := []struct {
		name string
		race func(user string, tk tokens) *response
	}{
		{"Refresh", func(_ string, tk tokens) *response {
			return b.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": tk.RefreshToken})
		}},
		{"SignIn", func(u string, _ tokens) *response {
			return b.do("POST", "/sign-in", "", map[string]string{"username": u, "password": "password-" + u})
		}},
	}
	changes := []struct {
		name   string
		change func(user string) *response
	}{
		{"Disable", func(u string) *response { return a.do("POST", "/admin/users/"+u+"/disable", root.AccessToken, nil) }},
		{"Delete", func(u string) *response { return a.do("DELETE", "/admin/users/"+u, root.AccessToken, nil) }},
	}
	for _, r := range racers {
		for _, ch := range changes {
			t.Run(r.name+"/"+ch.name, func(t *testing.T) {
				var got []tokens
				for i := range trials {
					user := fmt.Sprintf("race-%s-%s-%d", r.name, ch.name, i)
					tk := b.user(user)
					var wg sync.WaitGroup
					var res *response
					wg.Go(func() {
						time.Sleep(time.Duration(rand.N(2500)) * time.Microsecond)
						res = r.race(user, tk)
					})
					time.Sleep(time.Duration(rand.N(1000)) * time.Microsecond)
					expect(t, ch.change(user), 204, ch.name)
					wg.Wait()
					if res.Status == 200 {
						got = append(got, decodeTokens(t, res))
					}
				}
				time.Sleep(500 * time.Millisecond) // well past the propagation bound
				survivors := countSurvivors(a, b, got)
				t.Logf("%d trials: %d answered 200 during the race, %d of those tokens still work", trials, len(got), survivors)
				if survivors != 0 {
					t.Fatalf("%d tokens of a user whose %s was acknowledged still work", survivors, ch.name)
				}
			})
		}
	}
}

// countSurvivors counts the access tokens accepted by a or b and the
// refresh tokens accepted by b.
func countSurvivors(a, b *testServer, got []tokens) int {
	n := 0
	for _, tk := range got {
		for _, s := range []*testServer{a, b} {
			if s.do("GET", "/account", tk.AccessToken, nil).Status != 401 {
				n++
			}
		}
		if b.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": tk.RefreshToken}).Status != 401 {
			n++
		}
	}
	return n
}
