package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// requireBrowser, set by scripts/test (which installs Debian's chromium
// and axe-core when missing), turns a missing browser or checker into a
// failure instead of a skip.
const requireBrowser = "TOKENMANAGER_REQUIRE_BROWSER"

// chromiumPath finds Debian's chromium.
func chromiumPath(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv(requireBrowser) == "1" {
		t.Fatal("chromium is not installed (scripts/test installs Debian's chromium package)")
	}
	t.Skip("chromium is not installed; scripts/test installs it")
	return ""
}

// newBrowser starts a headless Chromium for the test and returns the
// context of its first tab.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 860),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// otherProfile opens a tab in a new browser context of the same browser:
// another person's browser, with cookies of its own.
func otherProfile(t *testing.T, browser context.Context) context.Context {
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	return ctx
}

// run runs browser actions, failing the test on an error.
func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// read runs one browser action that returns a value.
func read[T any](t *testing.T, ctx context.Context, what string, action chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// consoleSignIn signs in with the console's form, as a person would.
func consoleSignIn(s *server, name string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(s.URL+"/console/"),
		chromedp.WaitVisible(chromedp.CSS("#username")),
		chromedp.SendKeys(chromedp.CSS("#username"), name),
		chromedp.SendKeys(chromedp.CSS("#password"), "password of "+name),
		chromedp.Click(chromedp.CSS(`form[action="/console/sign-in"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.who strong`)),
	)
}

// screenshot saves the page as docs/console-NAME.png when
// TOKENMANAGER_SCREENSHOTS names a directory (scripts/screenshots).
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("TOKENMANAGER_SCREENSHOTS")
	if dir == "" {
		return
	}
	png := read(t, ctx, "screenshot", chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, "console-"+name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// verifyStatus asks GET /auth/verify about an access token.
func verifyStatus(t *testing.T, s *server, token string) int {
	req, _ := http.NewRequest("GET", s.URL+"/auth/verify", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// signInAs signs in through the API with a User-Agent: another device.
func signInAs(t *testing.T, s *server, name, agent string) tokenPair {
	body := fmt.Sprintf(`{"username":%q,"password":%q}`, name, "password of "+name)
	req, _ := http.NewRequest("POST", s.URL+"/sign-in", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", agent)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p tokenPair
	if err := decodeJSON(res, &p); err != nil || p.AccessToken == "" {
		t.Fatalf("sign-in of %s as %s: %s %v", name, agent, res.Status, err)
	}
	return p
}

const firefoxOnLinux = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0"

// A user signs in, sees two devices, ends the other one, and that device's
// token is refused by forward-auth.
func TestBrowserEndsAnotherDevice(t *testing.T) {
	s := startServer(t)
	s.user("alice")
	laptop := signInAs(t, s, "alice", firefoxOnLinux)
	ctx := newBrowser(t)
	run(t, ctx, "sign in", consoleSignIn(s, "alice"))
	devices := read(t, ctx, "read the devices", chromedp.Text(chromedp.CSS("table tbody")))
	if !strings.Contains(devices, "This device") || !strings.Contains(devices, "Firefox on Linux") {
		t.Fatalf("the console lists %q; want this device and Firefox on Linux", devices)
	}
	checkAccessible(t, ctx, "devices")
	screenshot(t, ctx, "devices")
	if got := verifyStatus(t, s, laptop.AccessToken); got != http.StatusOK {
		t.Fatalf("the laptop's token before: %d", got)
	}
	run(t, ctx, "end the laptop's session",
		chromedp.Click(chromedp.CSS(`button[aria-label^="End the session on Firefox on Linux"]`)),
		chromedp.WaitVisible(chromedp.CSS(".note")))
	note := read(t, ctx, "read the note", chromedp.Text(chromedp.CSS(".note")))
	if !strings.Contains(note, "session was ended") {
		t.Errorf("after ending the session the page says %q", note)
	}
	if got := verifyStatus(t, s, laptop.AccessToken); got != http.StatusUnauthorized {
		t.Fatalf("the ended device's token at /auth/verify: %d, want 401", got)
	}
	run(t, ctx, "open the password page", chromedp.Navigate(s.URL+"/console/password"), chromedp.WaitVisible(chromedp.CSS("#current_password")))
	checkAccessible(t, ctx, "password")
	screenshot(t, ctx, "password")
}

// An admin disables a user in the admin pages; the user's open console
// signs itself out, and the live list shows the cancellation.
func TestBrowserAdminDisablesAUser(t *testing.T) {
	s := startServer(t)
	s.user("root")
	s.user("alice")
	browser := newBrowser(t)
	alice := otherProfile(t, browser)
	run(t, alice, "alice signs in", consoleSignIn(s, "alice"))

	admin := browser
	run(t, admin, "root signs in", consoleSignIn(s, "root"))
	run(t, admin, "open the live list", chromedp.Navigate(s.URL+"/console/admin/live"),
		chromedp.WaitVisible(`//p[@id="live-state"][starts-with(., "Live.")]`))
	live := otherProfile(t, browser) // the live list stays open in its own tab
	run(t, live, "a second admin tab", consoleSignIn(s, "root"), chromedp.Navigate(s.URL+"/console/admin/live"),
		chromedp.WaitVisible(`//p[@id="live-state"][starts-with(., "Live.")]`))

	run(t, admin, "find alice", chromedp.Navigate(s.URL+"/console/admin?user=alice"),
		chromedp.WaitVisible(chromedp.CSS(`.badge.on`)))
	checkAccessible(t, admin, "admin")
	screenshot(t, admin, "admin")
	run(t, admin, "disable alice",
		chromedp.Click(chromedp.CSS(`form[action="/console/admin/users/alice/disable"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.badge.off`)))

	waitCtx, cancel := context.WithTimeout(alice, 20*time.Second)
	defer cancel()
	run(t, waitCtx, "alice's open console signs out", chromedp.WaitVisible(chromedp.CSS(`form[action="/console/sign-in"]`)))
	url := read(t, alice, "read alice's page", chromedp.Location())
	if !strings.Contains(url, "note=signed-out") {
		t.Errorf("alice's console went to %s, want the signed-out note", url)
	}

	run(t, live, "the live list counts the user cancellation", chromedp.WaitVisible(`//dd[@id="count-subject"][. != "0"]`))
	users := read(t, live, "read the live list", chromedp.Text(chromedp.CSS("#live-rows")))
	if !strings.Contains(users, "alice") {
		t.Errorf("the live list shows %q, want alice's cancellation", users)
	}
	if state := read(t, live, "read the stream's state", chromedp.Text(chromedp.CSS("#live-state"))); !strings.HasPrefix(state, "Live.") {
		t.Errorf("the live list's stream did not stay open: %q", state)
	}
	checkAccessible(t, live, "live")
	screenshot(t, live, "live")
	run(t, alice, "the sign-in page", chromedp.Navigate(s.URL+"/console/"), chromedp.WaitVisible(chromedp.CSS("#username")))
	checkAccessible(t, alice, "sign-in")
	screenshot(t, alice, "signin")
}

// checkAccessible runs axe-core (WCAG 2.1 A and AA rules: labels, focus
// order, contrast, names) on the page and fails on any violation.
func checkAccessible(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		if os.Getenv(requireBrowser) == "1" {
			t.Fatalf("axe-core is not installed (scripts/test installs it with npm): %v", err)
		}
		t.Logf("axe-core is not installed; the accessibility check of %s is skipped", name)
		return
	}
	const check = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
		.then(r => r.violations.map(v => v.id + ": " + v.help + " at " + v.nodes.map(n => n.target.join(" ")).join(", ")))`
	run(t, ctx, "load axe into the "+name+" page",
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
			return err
		}),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](string(src)+";true")(ctx, tg)
			return err
		}))
	violations := read(t, ctx, "axe on the "+name+" page", chromedp.Evaluate[[]string](check, chromedp.EvalAwaitPromise))
	for _, v := range violations {
		t.Errorf("accessibility of the %s page: %s", name, v)
	}
}

// decodeJSON reads a JSON body into v.
func decodeJSON(res *http.Response, v any) error { return json.NewDecoder(res.Body).Decode(v) }
