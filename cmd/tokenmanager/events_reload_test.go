package main

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// TestReloadKeepsStreams (issue 17, event streams): a gap in A's feed
// makes A reload its replica; its open event streams get what the reload
// found that the feed had missed, instead of every stream being dropped
// at the same moment (each reader would then come back for the whole set
// at once).
func TestReloadKeepsStreams(t *testing.T) {
	rs := redistest.Start(t)
	a, b := startShared(t, rs.URL()), startShared(t, rs.URL())
	a.signUp("root", "password-root")
	root := a.signIn("root", "password-root")
	victim := b.user("victim")
	sub := subjectOf(t, b, victim.AccessToken)
	lines := openEvents(t, a.URL, root.AccessToken)
	waitLine(t, lines, "event: ready")
	rs.MustDo("INCRBY", "tm:{c}:seq", "5") // five entries A's feed will never read: a gap
	expect(t, b.do("POST", "/admin/users/victim/cancel", root.AccessToken, nil), 204, "cancel on B")
	waitLine(t, lines, `"id":"`+sub+`"`)
}

// openEvents opens GET /events/cancellations and returns its lines; the
// channel closes when the stream ends.
func openEvents(t *testing.T, base, bearer string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/events/cancellations", nil)
	req.Header.Set("Authorization", "Bearer "+bearer)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET /events/cancellations: %v %v", res, err)
	}
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		defer res.Body.Close()
		for sc := bufio.NewScanner(res.Body); sc.Scan(); {
			lines <- sc.Text()
		}
	}()
	return lines
}

// waitLine waits up to 5s for a line containing want; the stream ending
// first fails the test.
func waitLine(t *testing.T, lines <-chan string, want string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the stream ended before %q", want)
			}
			if strings.Contains(l, want) {
				return
			}
		case <-deadline:
			t.Fatalf("no %q within 5s", want)
		}
	}
}

// subjectOf returns the subject of an access token, as forward-auth
// answers it.
func subjectOf(t *testing.T, s *testServer, access string) string {
	t.Helper()
	r := s.do("GET", "/auth/verify", access, nil)
	expect(t, r, 200, "verify")
	return r.Header.Get("X-Auth-Subject")
}
