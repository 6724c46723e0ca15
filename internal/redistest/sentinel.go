package redistest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// MasterName is the name under which the Sentinel of StartSentinel monitors
// its primary.
const MasterName = "mymaster"

// Sentinel is a primary, one replica of it and one Sentinel that monitors
// the primary with quorum 1: the smallest group in which a client has to
// ask Sentinel where the primary is.
type Sentinel struct {
	Primary  *Server
	Replica  *Server
	Sentinel *Server
}

// StartSentinel starts the primary, the replica and the Sentinel, and waits
// until the replica's link is up and the Sentinel names the primary.
func StartSentinel(t testing.TB) *Sentinel {
	t.Helper()
	g := &Sentinel{Primary: Start(t, WithConfig("repl-diskless-sync-delay", "0"))}
	g.Replica = launch(t, t.TempDir(), nil, []string{"--appendonly", "no",
		"--replicaof", "127.0.0.1", strconv.Itoa(g.Primary.Port())}, "", nil)
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	if err := os.WriteFile(conf, []byte(sentinelConf(g.Primary.Port())), 0o600); err != nil {
		t.Fatalf("redistest: %v", err)
	}
	g.Sentinel = launch(t, dir, []string{conf}, []string{"--sentinel"}, "", nil)
	g.waitReady(t, 20*time.Second)
	return g
}

func sentinelConf(primaryPort int) string {
	return fmt.Sprintf("sentinel monitor %[1]s 127.0.0.1 %[2]d 1\n"+
		"sentinel down-after-milliseconds %[1]s 1000\n"+
		"sentinel failover-timeout %[1]s 5000\n", MasterName, primaryPort)
}

// URL returns the store URL of the group:
// redis+sentinel://127.0.0.1:port/mymaster.
func (g *Sentinel) URL() string {
	return "redis+sentinel://" + g.Sentinel.Addr() + "/" + MasterName
}

func (g *Sentinel) waitReady(t testing.TB, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !g.ready() {
		if time.Now().After(deadline) {
			t.Fatalf("redistest: sentinel group not ready after %v", limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (g *Sentinel) ready() bool {
	v, err := g.Replica.Do("INFO", "replication")
	info, _ := v.(string)
	if err != nil || !strings.Contains(info, "master_link_status:up") {
		return false
	}
	addr, err := g.Sentinel.Do("SENTINEL", "get-master-addr-by-name", MasterName)
	parts, _ := addr.([]any)
	return err == nil && len(parts) == 2 && parts[1] == strconv.Itoa(g.Primary.Port())
}
