package faultproxy

import (
	"net"
	"sync"
	"time"
)

// link is one proxied connection: the client's and the proxy's own to the
// target, with a pump in each direction.
type link struct {
	p              *Proxy
	client, server *net.TCPConn
	once           sync.Once
	done           chan struct{} // closed with the link: delayed writes stop waiting
}

// close closes both connections (FIN) and forgets the link.
func (l *link) close() {
	l.once.Do(func() {
		close(l.done)
		l.client.Close()
		l.server.Close()
		l.p.remove(l)
	})
}

// reset closes both connections with an RST.
func (l *link) reset() {
	l.client.SetLinger(0)
	l.server.SetLinger(0)
	l.close()
}

// chunk is bytes read from one end, due at the other at a given time.
type chunk struct {
	b   []byte
	due time.Time
}

// pump copies src to dst until either fails, then closes the link once
// what was read has been written. Chunks read while the proxy is a
// blackhole are dropped; with delayed, each chunk is held until it is
// due, in order.
func (l *link) pump(src, dst *net.TCPConn, delayed bool) {
	defer l.p.wg.Done()
	queue := make(chan chunk, 256)
	flushed := make(chan struct{})
	go func() { l.deliver(dst, queue); close(flushed) }()
	l.read(src, queue, delayed)
	close(queue)
	<-flushed
	l.close()
}

// read queues what src sends until it fails or the link closes.
func (l *link) read(src *net.TCPConn, queue chan<- chunk, delayed bool) {
	var last time.Time
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if f := l.p.faults(delayed); !f.drop {
				last = later(last, time.Now().Add(f.delay))
				select {
				case queue <- chunk{append([]byte(nil), buf[:n]...), last}:
				case <-l.done:
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// deliver writes each chunk to dst once it is due; one that falls due
// while the proxy is a blackhole is dropped.
func (l *link) deliver(dst *net.TCPConn, queue <-chan chunk) {
	for c := range queue {
		if !waitUntil(c.due, l.done) {
			l.drain(queue)
			return
		}
		if l.p.faults(false).drop {
			continue
		}
		if _, err := dst.Write(c.b); err != nil {
			l.close() // the pump's read then fails
			l.drain(queue)
			return
		}
	}
}

// drain empties the queue until its pump closes it.
func (l *link) drain(queue <-chan chunk) {
	for range queue {
	}
}

// waitUntil waits for t and reports false if done closed first.
func waitUntil(t time.Time, done <-chan struct{}) bool {
	d := time.Until(t)
	if d <= 0 {
		select {
		case <-done:
			return false
		default:
			return true
		}
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-done:
		return false
	case <-timer.C:
		return true
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
