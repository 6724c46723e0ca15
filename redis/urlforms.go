package redis

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// reserved are go-redis query parameters that the Sentinel and Cluster forms
// set from the URL's own parts; giving them twice would be ambiguous.
var reserved = []string{"addr", "master_name", "username", "password"}

// parseSentinel parses
//
//	redis+sentinel://[user:pass@]host1[:26379][,host2[:26379]...]/mastername[/db][?options]
//
// The credentials are those of the primary and replicas (the data nodes);
// the Sentinels' own credentials, when they need any, go in the
// sentinel_username and sentinel_password query parameters.
func parseSentinel(raw string) (*goredis.FailoverOptions, error) {
	a, err := splitAuthority(raw, "26379")
	if err != nil {
		return nil, err
	}
	parts := strings.FieldsFunc(a.path, func(r rune) bool { return r == '/' })
	if len(parts) == 0 || len(parts) > 2 {
		return nil, errors.New("a Sentinel URL's path is /mastername or /mastername/db")
	}
	q, err := ownQuery(a)
	if err != nil {
		return nil, err
	}
	q.Set("master_name", parts[0])
	sentinelUser := sentinelCredentials(q)
	if a.user != nil {
		q.Set("username", a.user.Username())
		pass, _ := a.user.Password()
		q.Set("password", pass)
	}
	path := ""
	if len(parts) == 2 {
		path = "/" + parts[1]
	}
	u := url.URL{Scheme: a.scheme, User: sentinelUser, Host: a.hosts[0], Path: path, RawQuery: q.Encode()}
	return goredis.ParseFailoverURL(u.String())
}

// sentinelCredentials moves sentinel_username and sentinel_password out of
// q into the userinfo that go-redis reads them from.
func sentinelCredentials(q url.Values) *url.Userinfo {
	user, pass := q.Get("sentinel_username"), q.Get("sentinel_password")
	q.Del("sentinel_username")
	q.Del("sentinel_password")
	if user == "" && pass == "" {
		return nil
	}
	return url.UserPassword(user, pass)
}

// parseCluster parses
//
//	redis+cluster://[user:pass@]host1[:6379][,host2[:6379]...][?options]
//
// The hosts are seeds: the client learns the rest of the cluster from them.
func parseCluster(raw string) (*goredis.ClusterOptions, error) {
	a, err := splitAuthority(raw, "6379")
	if err != nil {
		return nil, err
	}
	if a.path != "" && a.path != "/" {
		return nil, errors.New("a Cluster URL has no path: a cluster has only database 0")
	}
	q, err := ownQuery(a)
	if err != nil {
		return nil, err
	}
	u := url.URL{Scheme: a.scheme, User: a.user, Host: a.hosts[0], RawQuery: q.Encode()}
	return goredis.ParseClusterURL(u.String())
}

// ownQuery returns a's query with the extra hosts as addr parameters, and
// refuses the parameters that the URL form sets itself.
func ownQuery(a *authority) (url.Values, error) {
	for _, k := range reserved {
		if a.query.Has(k) {
			return nil, fmt.Errorf("the %s query parameter is set by the URL form itself", k)
		}
	}
	q := url.Values{}
	for k, v := range a.query {
		q[k] = v
	}
	for _, h := range a.hosts[1:] {
		q.Add("addr", h)
	}
	return q, nil
}
