package faultproxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// echo starts a line echo server and returns its address.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
}

// client is one connection through the proxy.
type client struct {
	t *testing.T
	net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, p *Proxy) *client {
	t.Helper()
	c, err := net.DialTimeout("tcp", p.Addr(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{t, c, bufio.NewReader(c)}
}

// roundTrip sends a line and returns the echo, or the error after timeout.
func (c *client) roundTrip(line string, timeout time.Duration) (string, error) {
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return "", err
	}
	s, err := c.r.ReadString('\n')
	return strings.TrimSuffix(s, "\n"), err
}

func (c *client) mustEcho(line string) time.Duration {
	c.t.Helper()
	start := time.Now()
	got, err := c.roundTrip(line, 5*time.Second)
	if err != nil || got != line {
		c.t.Fatalf("echo of %q: %q, %v", line, got, err)
	}
	return time.Since(start)
}

// waitConns waits until the proxy has n connections open.
func waitConns(t *testing.T, p *Proxy, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for p.Conns() != n {
		if time.Now().After(deadline) {
			t.Fatalf("Conns() = %d, want %d", p.Conns(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// tryNew opens a connection and does one round trip: the error of the
// dial (a reset can beat the handshake) or of the round trip.
func tryNew(p *Proxy) error {
	c, err := net.DialTimeout("tcp", p.Addr(), time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = (&client{nil, c, bufio.NewReader(c)}).roundTrip("x", 2*time.Second)
	return err
}

func timeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestForwards(t *testing.T) {
	p := Start(t, echo(t))
	a, b := dial(t, p), dial(t, p)
	a.mustEcho("hello")
	b.mustEcho(strings.Repeat("x", 100_000)) // more than one chunk
	waitConns(t, p, 2)
	if p.Accepted() != 2 {
		t.Fatalf("Accepted() = %d, want 2", p.Accepted())
	}
	a.Close()
	waitConns(t, p, 1)
}

func TestLatency(t *testing.T) {
	p := Start(t, echo(t))
	c := dial(t, p)
	c.mustEcho("warm")
	p.SetLatency(100*time.Millisecond, 0)
	if d := c.mustEcho("slow"); d < 100*time.Millisecond {
		t.Fatalf("round trip took %v with 100ms latency", d)
	}
	p.SetLatency(60*time.Millisecond, 40*time.Millisecond)
	for i := range 10 {
		d := c.mustEcho("jitter")
		if d < 20*time.Millisecond {
			t.Fatalf("round trip %d took %v with 60ms ± 40ms", i, d)
		}
	}
	p.SetLatency(0, 0)
	if d := c.mustEcho("fast"); d > 60*time.Millisecond && os.Getenv("CI") == "" {
		t.Logf("round trip without latency took %v (a busy machine?)", d)
	}
}

// TestLatencyKeepsOrder sends many small writes under heavy jitter: the
// stream must come back whole and in order.
func TestLatencyKeepsOrder(t *testing.T) {
	p := Start(t, echo(t))
	p.SetLatency(20*time.Millisecond, 20*time.Millisecond)
	c := dial(t, p)
	var want strings.Builder
	for i := range 200 {
		line := strings.Repeat(string(rune('a'+i%26)), 1+i%7)
		want.WriteString(line + "\n")
		io.WriteString(c, line+"\n")
		if i%20 == 0 {
			time.Sleep(time.Millisecond) // separate chunks
		}
	}
	got := make([]byte, want.Len())
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(c.r, got); err != nil || string(got) != want.String() {
		t.Fatalf("stream reordered or cut: %v", err)
	}
}

func TestBlackhole(t *testing.T) {
	p := Start(t, echo(t))
	c := dial(t, p)
	c.mustEcho("before")
	p.Blackhole(true)
	if _, err := c.roundTrip("dropped", 200*time.Millisecond); !timeout(err) {
		t.Fatalf("round trip through a blackhole: %v, want a timeout", err)
	}
	fresh := dial(t, p) // accepted, then starved
	if _, err := fresh.roundTrip("dropped too", 200*time.Millisecond); !timeout(err) {
		t.Fatalf("new connection through a blackhole: %v, want a timeout", err)
	}
	waitConns(t, p, 2) // nothing was closed
	p.Blackhole(false)
	// The dropped lines are gone: the next echo is the next line.
	c.mustEcho("after")
	fresh.mustEcho("after too")
}

func TestResetAll(t *testing.T) {
	p := Start(t, echo(t))
	a, b := dial(t, p), dial(t, p)
	a.mustEcho("a")
	b.mustEcho("b")
	p.ResetAll()
	for _, c := range []*client{a, b} {
		if _, err := c.roundTrip("x", 2*time.Second); !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
			t.Fatalf("after ResetAll: %v, want ECONNRESET", err)
		}
	}
	waitConns(t, p, 0)
	dial(t, p).mustEcho("new connections work")
}

func TestCut(t *testing.T) {
	p := Start(t, echo(t))
	a := dial(t, p)
	a.mustEcho("a")
	p.Cut(true)
	if _, err := a.roundTrip("x", 2*time.Second); err == nil || timeout(err) {
		t.Fatalf("open connection after Cut: %v, want it closed", err)
	}
	if err := tryNew(p); err == nil || timeout(err) {
		t.Fatalf("new connection while cut: %v, want it refused", err)
	}
	waitConns(t, p, 0)
	p.Cut(false)
	dial(t, p).mustEcho("back")
}

func TestTargetDown(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	p := Start(t, addr)
	if err := tryNew(p); err == nil || timeout(err) {
		t.Fatalf("connection to a dead target: %v, want it refused", err)
	}
	if p.Conns() != 0 {
		t.Fatalf("Conns() = %d with the target down", p.Conns())
	}
}

// TestCloseLeavesNoGoroutines runs every fault and closes the proxy: its
// goroutines must be gone.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	target := echo(t)
	before := runtime.NumGoroutine()
	p := Start(t, target)
	p.SetLatency(10*time.Millisecond, 5*time.Millisecond)
	for range 5 {
		dial(t, p).mustEcho("x")
	}
	p.Blackhole(true)
	dial(t, p).roundTrip("y", 50*time.Millisecond)
	p.Blackhole(false)
	p.ResetAll()
	p.Close()
	p.Close() // twice is harmless
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+6 { // the echo server's, until their clients close
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines after Close, %d before:\n%s", runtime.NumGoroutine(), before,
				buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
