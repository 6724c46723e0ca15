package redis

import (
	"crypto/tls"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	tm "github.com/tokenmanager/tokenmanager"
)

func TestParseURLStandalone(t *testing.T) {
	tg := mustParse(t, "redis://user:p%40ss@10.0.0.1:6380/3?dial_timeout=3s")
	o := tg.simple
	if o == nil || o.Addr != "10.0.0.1:6380" || o.DB != 3 || o.Username != "user" || o.Password != "p@ss" || o.TLSConfig != nil {
		t.Fatalf("options = %+v", o)
	}
	if o := mustParse(t, "rediss://h").simple; o.TLSConfig == nil || o.Addr != "h:6379" {
		t.Fatalf("rediss options = %+v", o)
	}
}

func TestParseURLSentinel(t *testing.T) {
	tg := mustParse(t, "redis+sentinel://:secret@s1:26380,s2,[::1]:26381/mymaster/2?sentinel_password=spw")
	o := tg.failover
	if o == nil {
		t.Fatal("not a failover URL")
	}
	wantAddrs := []string{"s1:26380", "s2:26379", "[::1]:26381"}
	if o.MasterName != "mymaster" || o.DB != 2 || o.Password != "secret" || o.SentinelPassword != "spw" ||
		strings.Join(o.SentinelAddrs, " ") != strings.Join(wantAddrs, " ") {
		t.Fatalf("options = %+v", o)
	}
	if o := mustParse(t, "rediss+sentinel://s1/m").failover; o.TLSConfig == nil || o.DB != 0 {
		t.Fatalf("rediss+sentinel options = %+v", o)
	}
}

func TestParseURLCluster(t *testing.T) {
	o := mustParse(t, "redis+cluster://u:pw@n1:7000,n2:7001,n3?read_timeout=2s").cluster
	if o == nil || strings.Join(o.Addrs, " ") != "n1:7000 n2:7001 n3:6379" || o.Username != "u" || o.Password != "pw" {
		t.Fatalf("options = %+v", o)
	}
	if o := mustParse(t, "rediss+cluster://n1:7000").cluster; o.TLSConfig == nil {
		t.Fatalf("rediss+cluster options = %+v", o)
	}
}

func TestParseURLErrInvalid(t *testing.T) {
	for name, raw := range map[string]string{
		"Scheme":            "http://h:6379",
		"SentinelNoMaster":  "redis+sentinel://s1:26379",
		"SentinelLongPath":  "redis+sentinel://s1/m/0/x",
		"ClusterPath":       "redis+cluster://n1:7000/0",
		"ClusterEmptyHost":  "redis+cluster://n1:7000,,n2",
		"ReservedParameter": "redis+cluster://n1:7000?addr=n2:7001",
		"UnknownParameter":  "redis://:hunter2@h?bogus=1",
		"BadDB":             "redis://:hunter2@h/x",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Open(t.Context(), raw)
			if tm.ErrorCode(err) != tm.EInvalid {
				t.Fatalf("Open(%q) = %v, want %s", raw, err, tm.EInvalid)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("the error shows the password: %v", err)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	for raw, want := range map[string]string{
		"redis://:pw@h:1/0":               "redis://:xxxxx@h:1/0",
		"redis+sentinel://u:pw@a,b/m":     "redis+sentinel://u:xxxxx@a,b/m",
		"redis://h:1/0":                   "redis://h:1/0",
		"redis://user@h:1":                "redis://user@h:1",
		"redis://h/0?sentinel_password=x": "redis://h/0?sentinel_password=x",
	} {
		if got := Redact(raw); got != want {
			t.Errorf("Redact(%q) = %q, want %q", raw, got, want)
		}
	}
}

// TestOpenDoesNoIO opens a store on an address where nothing listens:
// Open succeeds, Ping fails with EUnavailable.
func TestOpenDoesNoIO(t *testing.T) {
	s := mustOpen(t, "redis://127.0.0.1:1/0")
	if err := s.Ping(t.Context()); tm.ErrorCode(err) != tm.EUnavailable {
		t.Fatalf("Ping = %v, want %s", err, tm.EUnavailable)
	}
}

func mustParse(t *testing.T, raw string) *target {
	t.Helper()
	tg, err := parseURL(raw)
	if err != nil {
		t.Fatalf("parseURL(%q): %v", raw, err)
	}
	return tg
}

// TestTLSConfig gives rediss:// connections the caller's TLS settings (a
// private CA) and leaves redis:// ones in clear.
func TestTLSConfig(t *testing.T) {
	conf := &tls.Config{ServerName: "redis.internal", MinVersion: tls.VersionTLS13}
	for _, tc := range []struct {
		url     string
		wantTLS bool
	}{{"rediss://h:6380", true}, {"redis://h:6379", false}} {
		c := mustParse(t, tc.url).client(false, conf).(*goredis.Client)
		got := c.Options().TLSConfig
		c.Close()
		if (got != nil) != tc.wantTLS || (got != nil && (got == conf || got.ServerName != "redis.internal")) {
			t.Errorf("%s: TLSConfig = %+v", tc.url, got)
		}
	}
}
