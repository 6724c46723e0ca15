// Command signinload drives POST /sign-in of a running server with many
// concurrent clients and reports sign-ins per second, the answers by
// status, the latency of the successful ones, and the server's peak
// resident memory (VmHWM of -pid, read from /proc). scripts/bench-signin
// starts the server and runs it; see docs/benchmarks.md.
//
//	signinload -url http://127.0.0.1:8080 -pid 1234 -clients 1000 -duration 20s
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080", "server address")
	pid := flag.Int("pid", 0, "the server's process id, for its peak RSS")
	clients := flag.Int("clients", 1000, "concurrent clients")
	duration := flag.Duration("duration", 20*time.Second, "how long the clients keep signing in (0: one sign-in each)")
	user := flag.String("user", "bench", "username")
	password := flag.String("password", "bench-password", "password")
	flag.Parse()
	body := fmt.Sprintf(`{"username":%q,"password":%q}`, *user, *password)
	tr := &http.Transport{MaxIdleConnsPerHost: *clients, MaxConnsPerHost: 0}
	c := &http.Client{Transport: tr, Timeout: time.Minute}
	r := run(c, *url+"/sign-in", body, *clients, *duration)
	r.print(*clients, *duration, *pid)
}

// result collects the answers.
type result struct {
	mu       sync.Mutex
	statuses map[int]int
	ok       []time.Duration
	errors   int
	elapsed  time.Duration
}

// run starts the clients together; each signs in until the duration has
// passed (at least once), waiting Retry-After after a 503.
func run(c *http.Client, url, body string, clients int, d time.Duration) *result {
	r := &result{statuses: map[int]int{}}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			<-start
			deadline := time.Now().Add(d)
			for first := true; first || time.Now().Before(deadline); first = false {
				r.one(c, url, body)
			}
		})
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	r.elapsed = time.Since(t0)
	return r
}

// one sends one sign-in and records its answer.
func (r *result) one(c *http.Client, url, body string) {
	t := time.Now()
	res, err := c.Post(url, "application/json", bytes.NewReader([]byte(body)))
	if err != nil {
		r.mu.Lock()
		r.errors++
		r.mu.Unlock()
		time.Sleep(100 * time.Millisecond)
		return
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	lat := time.Since(t)
	r.mu.Lock()
	r.statuses[res.StatusCode]++
	if res.StatusCode == http.StatusOK {
		r.ok = append(r.ok, lat)
	}
	r.mu.Unlock()
	if res.StatusCode == http.StatusServiceUnavailable {
		s, _ := strconv.Atoi(res.Header.Get("Retry-After"))
		time.Sleep(time.Duration(max(s, 1)) * time.Second)
	}
}

func (r *result) print(clients int, d time.Duration, pid int) {
	slices.Sort(r.ok)
	pct := func(p float64) time.Duration {
		if len(r.ok) == 0 {
			return 0
		}
		return r.ok[min(len(r.ok)-1, int(p*float64(len(r.ok))))]
	}
	fmt.Printf("clients %d, duration %s, elapsed %.1fs\n", clients, d, r.elapsed.Seconds())
	fmt.Printf("answers %v, transport errors %d\n", r.statuses, r.errors)
	fmt.Printf("sign-ins/s %.1f\n", float64(len(r.ok))/r.elapsed.Seconds())
	fmt.Printf("latency of 200s: p50 %s, p99 %s, max %s\n", pct(0.5).Round(time.Millisecond), pct(0.99).Round(time.Millisecond), pct(1).Round(time.Millisecond))
	if pid > 0 {
		fmt.Printf("server peak RSS (VmHWM) %s\n", vmHWM(pid))
	}
}

// vmHWM reads the peak resident set size of a process.
func vmHWM(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown: " + err.Error()
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return fmt.Sprintf("%.1f MiB", float64(kb)/1024)
		}
	}
	return "unknown"
}
