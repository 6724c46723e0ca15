package redis

import (
	"errors"
	"net"
	"net/url"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	tm "github.com/tokenmanager/tokenmanager"
)

// target is a parsed store URL: exactly one of its fields is set.
type target struct {
	simple   *goredis.Options
	failover *goredis.FailoverOptions
	cluster  *goredis.ClusterOptions
}

// authority is the part of a Sentinel or Cluster URL that net/url cannot
// parse by itself: a comma-separated list of hosts.
type authority struct {
	scheme string // "redis" or "rediss": the scheme of each connection
	user   *url.Userinfo
	hosts  []string
	path   string
	query  url.Values
}

// parseURL checks a store URL and turns it into client options. It does no
// I/O: the server may well be down when the program starts.
func parseURL(raw string) (*target, error) {
	scheme, _, _ := strings.Cut(raw, "://")
	var t target
	var err error
	switch scheme {
	case "redis", "rediss":
		t.simple, err = goredis.ParseURL(raw)
	case "redis+sentinel", "rediss+sentinel":
		t.failover, err = parseSentinel(raw)
	case "redis+cluster", "rediss+cluster":
		t.cluster, err = parseCluster(raw)
	default:
		err = errors.New("the scheme is not one of redis, rediss, redis+sentinel, rediss+sentinel, redis+cluster, rediss+cluster")
	}
	if err != nil {
		return nil, tm.Wrap(tm.EInvalid, urlCause(err), "invalid Redis URL "+Redact(raw)+": "+urlCause(err).Error())
	}
	return &t, nil
}

// urlCause drops the URL (and the password in it) from a net/url error.
func urlCause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Redact returns a store URL with its password replaced by "xxxxx", for
// logs and error messages.
func Redact(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return raw
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return raw
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}

// splitAuthority parses scheme://[user:pass@]host[:port][,host[:port]...][/path][?query],
// giving each host defaultPort when it has none.
func splitAuthority(raw, defaultPort string) (*authority, error) {
	scheme, rest, _ := strings.Cut(raw, "://")
	base, _, _ := strings.Cut(scheme, "+")
	a := &authority{scheme: base}
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	hosts := rest[:end]
	if at := strings.LastIndex(hosts, "@"); at >= 0 {
		u, err := url.Parse("x://" + hosts[:at+1] + "h")
		if err != nil {
			return nil, err
		}
		a.user, hosts = u.User, hosts[at+1:]
	}
	u, err := url.Parse("x://h" + rest[end:])
	if err != nil {
		return nil, err
	}
	a.path, a.query = u.Path, u.Query()
	a.hosts, err = splitHosts(hosts, defaultPort)
	return a, err
}

func splitHosts(list, defaultPort string) ([]string, error) {
	var out []string
	for _, h := range strings.Split(list, ",") {
		if h == "" {
			return nil, errors.New("empty host in the host list")
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(strings.Trim(h, "[]"), defaultPort)
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}
