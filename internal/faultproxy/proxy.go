package faultproxy

import (
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Proxy forwards the connections made to Addr to the target, with the
// faults set on it. Its methods are safe for concurrent use.
type Proxy struct {
	target string
	ln     net.Listener
	wg     sync.WaitGroup // the accept loop and every pump

	mu              sync.Mutex
	links           map[*link]struct{}
	latency, jitter time.Duration
	blackhole, cut  bool
	closed          bool

	accepted atomic.Int64
}

// Start listens on a free loopback port and forwards to target (host:port)
// until the test ends.
func Start(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("faultproxy: %v", err)
	}
	p := &Proxy{target: target, ln: ln, links: map[*link]struct{}{}}
	p.wg.Add(1)
	go p.acceptLoop()
	t.Cleanup(p.Close)
	return p
}

// Addr returns the proxy's host:port, to give the program instead of the
// target's.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// SetLatency delays every chunk that the target sends back by mean plus a
// uniform draw in [-jitter, +jitter] (never below zero), without
// reordering the stream. SetLatency(0, 0) removes the latency; chunks
// already delayed keep their delay.
func (p *Proxy) SetLatency(mean, jitter time.Duration) {
	p.mu.Lock()
	p.latency, p.jitter = mean, jitter
	p.mu.Unlock()
}

// Blackhole starts (on) or stops dropping every byte in both directions.
// Nothing is closed: a caller waiting for an answer waits until its own
// deadline. Bytes dropped are gone, as on a real link whose connections
// the endpoints then time out; a connection that stayed idle meanwhile
// works again once the blackhole ends.
func (p *Proxy) Blackhole(on bool) {
	p.mu.Lock()
	p.blackhole = on
	p.mu.Unlock()
}

// ResetAll closes every open connection with a TCP RST to both ends
// (SO_LINGER 0). New connections are accepted as before.
func (p *Proxy) ResetAll() {
	for _, l := range p.snapshot() {
		l.reset()
	}
}

// Cut takes the link down (on: every open connection is closed, and every
// new one is reset as soon as it is accepted) or brings it back.
func (p *Proxy) Cut(on bool) {
	p.mu.Lock()
	p.cut = on
	p.mu.Unlock()
	if on {
		for _, l := range p.snapshot() {
			l.close()
		}
	}
}

// Conns returns how many proxied connections are open.
func (p *Proxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.links)
}

// Accepted returns how many connections the proxy has accepted in all.
func (p *Proxy) Accepted() int64 { return p.accepted.Load() }

// Close stops listening, closes every connection and waits for the
// proxy's goroutines to end. Start registers it with t.Cleanup.
func (p *Proxy) Close() {
	p.mu.Lock()
	already := p.closed
	p.closed = true
	p.mu.Unlock()
	if already {
		return
	}
	p.ln.Close()
	for _, l := range p.snapshot() {
		l.close()
	}
	p.wg.Wait()
}

func (p *Proxy) snapshot() []*link {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*link, 0, len(p.links))
	for l := range p.links {
		out = append(out, l)
	}
	return out
}

// faults is what a pump needs to know about one chunk.
type faults struct {
	drop  bool
	delay time.Duration
}

func (p *Proxy) faults(delayed bool) faults {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := faults{drop: p.blackhole}
	if delayed && p.latency+p.jitter > 0 {
		f.delay = max(0, p.latency+time.Duration(rand.Int64N(int64(2*p.jitter+1)))-p.jitter)
	}
	return f
}

func (p *Proxy) acceptLoop() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.accepted.Add(1)
		p.wg.Add(1)
		go p.open(c.(*net.TCPConn))
	}
}

// open dials the target for client and starts the pumps; a cut link or an
// unreachable target resets the client, as a refused connection would.
func (p *Proxy) open(client *net.TCPConn) {
	defer p.wg.Done()
	if p.isCut() {
		resetConn(client)
		return
	}
	c, err := net.DialTimeout("tcp", p.target, 2*time.Second)
	if err != nil {
		resetConn(client)
		return
	}
	l := &link{p: p, client: client, server: c.(*net.TCPConn), done: make(chan struct{})}
	if !p.add(l) {
		l.close()
		return
	}
	p.wg.Add(2)
	go l.pump(client, l.server, false)
	go l.pump(l.server, client, true)
}

func (p *Proxy) isCut() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cut || p.closed
}

// add registers l unless the link was cut or the proxy closed meanwhile.
func (p *Proxy) add(l *link) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut || p.closed {
		return false
	}
	p.links[l] = struct{}{}
	return true
}

func (p *Proxy) remove(l *link) {
	p.mu.Lock()
	delete(p.links, l)
	p.mu.Unlock()
}

func resetConn(c *net.TCPConn) {
	c.SetLinger(0)
	c.Close()
}
