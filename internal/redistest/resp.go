package redistest

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// Do sends one command to addr over a fresh connection (after AUTH when
// password is set) and returns the reply: a string for simple, integer and
// bulk replies, []any for arrays, nil for a nil reply, and an error for an
// error reply. It gives up after 30 seconds (a busy machine can make a big
// EVAL slow). The harness speaks RESP2 itself so that it shares nothing
// with the client under test and logs nothing while a server is starting.
func Do(addr, password string, args ...string) (any, error) {
	return DoTimeout(addr, password, 30*time.Second, args...)
}

// DoTimeout is Do that gives up after timeout, for probes of a server
// that may be frozen or still starting.
func DoTimeout(addr, password string, timeout time.Duration, args ...string) (any, error) {
	return do(addr, password, nil, timeout, args...)
}

func do(addr, password string, tlsConf *tls.Config, timeout time.Duration, args ...string) (any, error) {
	conn, err := dial(addr, tlsConf, min(timeout, time.Second))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	r := bufio.NewReader(conn)
	if password != "" {
		if _, err := roundTrip(conn, r, "AUTH", password); err != nil {
			return nil, err
		}
	}
	return roundTrip(conn, r, args...)
}

func dial(addr string, tlsConf *tls.Config, timeout time.Duration) (net.Conn, error) {
	d := &net.Dialer{Timeout: timeout}
	if tlsConf != nil {
		return tls.DialWithDialer(d, "tcp", addr, tlsConf)
	}
	return d.Dial("tcp", addr)
}

func roundTrip(conn net.Conn, r *bufio.Reader, args ...string) (any, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := conn.Write([]byte(b.String())); err != nil {
		return nil, err
	}
	return readReply(r)
}

func readReply(r *bufio.Reader) (any, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, errors.New("redistest: empty reply line")
	}
	switch body := line[1:]; line[0] {
	case '+', ':':
		return body, nil
	case '-':
		return nil, errors.New(body)
	case '$':
		return readBulk(r, body)
	case '*':
		return readArray(r, body)
	}
	return nil, fmt.Errorf("redistest: unexpected reply %q", line)
}

func readBulk(r *bufio.Reader, size string) (any, error) {
	n, err := strconv.Atoi(size)
	if err != nil || n < 0 {
		return nil, err
	}
	buf := make([]byte, n+2)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	return string(buf[:n]), nil
}

func readArray(r *bufio.Reader, size string) (any, error) {
	n, err := strconv.Atoi(size)
	if err != nil || n < 0 {
		return nil, err
	}
	out := make([]any, n)
	for i := range out {
		if out[i], err = readReply(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}
