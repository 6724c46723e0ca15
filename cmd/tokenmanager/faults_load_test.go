package main

import (
	"bufio"
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// faultClientTimeout is the load's client deadline: a request that takes
// longer is recorded as a hang (status 0, this duration).
const faultClientTimeout = 10 * time.Second

// minted is a token minted before the load; session tells a token whose
// session the load may end (sign-out) instead of the token alone.
type minted struct {
	access  string
	session bool
}

// ackRecord is an acknowledged cancellation: the 204 and when it arrived.
type ackRecord struct {
	token string
	node  string
	at    time.Time
}

// acceptance is a cancelled token that an instance accepted (200) for a
// request sent after the cancellation was acknowledged.
type acceptance struct {
	ack  ackRecord
	node string
	at   time.Time // when the request was sent
}

// sample is one request's answer.
type sample struct {
	node   string
	at     time.Time
	d      time.Duration
	status int // 0: no answer (timeout, refused, reset)
}

// faultLoad sends cancellations and protected requests to the rig's
// instances and records what they answer.
type faultLoad struct {
	rig      *faultRig
	client   *http.Client
	pool     chan minted
	controls []minted // never cancelled: must keep working
	pace     time.Duration
	stop     chan struct{}
	wg       sync.WaitGroup

	mu        sync.Mutex
	acks      []ackRecord
	accepts   []acceptance
	verifies  []sample
	cancels   []sample
	uncertain int                  // cancellations without a 204: not acknowledged
	cutOffs   map[string]time.Time // when each instance's replica saw itself cut off
	confirms  map[string]time.Time // its last confirmation before the fault, as it reported it
}

// newLoad readies a load over toCancel and controls; start runs it.
func newLoad(rig *faultRig, toCancel, controls []minted) *faultLoad {
	l := &faultLoad{
		rig:      rig,
		client:   &http.Client{Timeout: faultClientTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: 32}},
		pool:     make(chan minted, len(toCancel)),
		controls: controls,
		stop:     make(chan struct{}),
		cutOffs:  map[string]time.Time{},
		confirms: map[string]time.Time{},
	}
	for _, m := range toCancel {
		l.pool <- m
	}
	// Spread the tokens over the scenario's expected length.
	s := rig.size
	l.pace = (s.warm + s.fault + 4*time.Second) * time.Duration(s.cancellers*len(rig.up())) / time.Duration(max(1, len(toCancel)))
	return l
}

// start runs the cancellers (as many per instance as the size says, each
// on its own instance, so that one hanging instance does not slow the
// others' cancellations), the verifiers and a monitor of each instance's
// replica until halt.
func (l *faultLoad) start() {
	nodes := l.rig.up()
	for i := range l.rig.size.cancellers * len(nodes) {
		l.wg.Go(func() { l.cancelLoop(i) })
	}
	for range l.rig.size.verifiers {
		l.wg.Go(l.verifyLoop)
	}
	for _, n := range nodes {
		l.wg.Go(func() { l.monitor(n) })
	}
}

// halt stops the load and waits for the requests in flight.
func (l *faultLoad) halt() {
	close(l.stop)
	l.wg.Wait()
	l.client.CloseIdleConnections()
}

func (l *faultLoad) stopped(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-l.stop:
		return true
	case <-t.C:
		return false
	}
}

// cancelLoop cancels tokens from the pool, one per pace, on instance
// j (modulo those up), half of them by signing their session out; after
// each 204 it checks the token on every instance at once.
func (l *faultLoad) cancelLoop(j int) {
	for i := rand.IntN(8); !l.stopped(l.pace); i++ {
		nodes := l.rig.up()
		if len(nodes) == 0 {
			continue
		}
		var m minted
		select {
		case m = <-l.pool:
		default:
			continue // spent: only the verifiers go on
		}
		n := nodes[j%len(nodes)]
		path := "/tokens/cancel"
		if m.session && i%2 == 0 {
			path = "/sign-out?scope=local"
		}
		s := l.send(n, "POST", path, m.access)
		l.mu.Lock()
		l.cancels = append(l.cancels, s)
		if s.status != 204 {
			l.uncertain++
			l.mu.Unlock()
			continue
		}
		a := ackRecord{token: m.access, node: n.name, at: s.at.Add(s.d)}
		l.acks = append(l.acks, a)
		l.mu.Unlock()
		for _, o := range nodes {
			l.check(o, a)
		}
	}
}

// verifyLoop sends protected requests: half with a control token, half
// with one of the last cancellations acknowledged.
func (l *faultLoad) verifyLoop() {
	for !l.stopped(5 * time.Millisecond) {
		nodes := l.rig.up()
		if len(nodes) == 0 {
			continue
		}
		n := nodes[rand.IntN(len(nodes))]
		if a, ok := l.recentAck(); ok && rand.IntN(2) == 0 {
			l.check(n, a)
			continue
		}
		s := l.send(n, "GET", "/auth/verify", l.controls[rand.IntN(len(l.controls))].access)
		l.record(s)
	}
}

// check sends a protected request with a cancelled token and records an
// acceptance.
func (l *faultLoad) check(n *faultNode, a ackRecord) {
	s := l.send(n, "GET", "/auth/verify", a.token)
	l.record(s)
	if s.status == 200 {
		l.mu.Lock()
		l.accepts = append(l.accepts, acceptance{ack: a, node: n.name, at: s.at})
		l.mu.Unlock()
	}
}

func (l *faultLoad) record(s sample) {
	l.mu.Lock()
	l.verifies = append(l.verifies, s)
	l.mu.Unlock()
}

func (l *faultLoad) recentAck() (ackRecord, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.acks) == 0 {
		return ackRecord{}, false
	}
	return l.acks[len(l.acks)-1-rand.IntN(min(20, len(l.acks)))], true
}

// send does one request and times it. A request without an answer within
// the client deadline has status 0 (a hang); one refused or reset by an
// instance that is gone has -1.
func (l *faultLoad) send(n *faultNode, method, path, bearer string) sample {
	ctx, cancel := context.WithTimeout(context.Background(), faultClientTimeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, n.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+bearer)
	start := time.Now()
	res, err := l.client.Do(req)
	s := sample{node: n.name, at: start, d: time.Since(start)}
	if err != nil {
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			s.status = -1 // refused, reset: the instance is down, not hanging
		}
		return s
	}
	res.Body.Close()
	s.status = res.StatusCode
	return s
}

// waitAcks waits until n cancellations were acknowledged, or limit.
func (l *faultLoad) waitAcks(n int, limit time.Duration) {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		l.mu.Lock()
		got := len(l.acks)
		l.mu.Unlock()
		if got >= n {
			return
		}
	}
	l.rig.t.Fatalf("fewer than %d cancellations acknowledged within %v", n, limit)
}

// snapshot returns copies of what the load recorded.
func (l *faultLoad) snapshot() (acks []ackRecord, accepts []acceptance, verifies, cancels []sample, uncertain int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append(acks, l.acks...), append(accepts, l.accepts...),
		append(verifies, l.verifies...), append(cancels, l.cancels...), l.uncertain
}

// monitor polls n's GET /metrics (which never waits on the store, unlike
// /admin/status, whose readiness check pings it) once the fault began,
// and records when its replica was first seen not live (the feed noticed
// the loss) and, from the staleness it reports (the age of its last
// confirmation), when it was last confirmed in step with the store.
func (l *faultLoad) monitor(n *faultNode) {
	c := &http.Client{Timeout: 5 * time.Second}
	defer c.CloseIdleConnections()
	for !l.stopped(20 * time.Millisecond) {
		start := l.rig.window().start
		if start.IsZero() {
			continue
		}
		at := time.Now()
		live, staleness, ok := replicaGauges(c, n.URL)
		if !ok || live {
			continue
		}
		l.mu.Lock()
		if _, seen := l.cutOffs[n.name]; !seen {
			l.cutOffs[n.name] = at
			l.confirms[n.name] = at.Add(-staleness)
		}
		l.mu.Unlock()
	}
}

// replicaGauges reads tokenmanager_replica_live and
// tokenmanager_replica_staleness_seconds from base's GET /metrics.
func replicaGauges(c *http.Client, base string) (live bool, staleness time.Duration, ok bool) {
	res, err := c.Get(base + "/metrics")
	if err != nil {
		return false, 0, false
	}
	defer res.Body.Close()
	found := 0
	for sc := bufio.NewScanner(res.Body); sc.Scan(); {
		name, value, _ := strings.Cut(sc.Text(), " ")
		v, err := strconv.ParseFloat(value, 64)
		switch {
		case err != nil:
		case name == "tokenmanager_replica_live":
			live, found = v == 1, found+1
		case name == "tokenmanager_replica_staleness_seconds":
			staleness, found = time.Duration(v*float64(time.Second)), found+1
		}
	}
	return live, staleness, found == 2
}

// cutOff returns when node's replica was first seen cut off after the
// fault began, and its last confirmation before that; ok is false when
// the monitor never saw it cut off.
func (l *faultLoad) cutOff(node string) (cut, confirmed time.Time, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cut, ok = l.cutOffs[node]
	return cut, l.confirms[node], ok
}
