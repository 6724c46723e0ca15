package redistest

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// Cluster is three Redis Cluster masters that share the 16384 slots, no
// replicas: enough to show that every multi-key operation of the store stays
// within one slot and that the client follows the slot map.
type Cluster struct {
	Nodes []*Server
	bus   []int
}

// StartCluster starts three cluster-enabled servers, gives each a third of
// the slots, joins them with CLUSTER MEET and waits until every node reports
// cluster_state:ok.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	c := &Cluster{}
	for range 3 {
		bus := freePort(t)
		args := []string{"--appendonly", "no", "--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000",
			"--cluster-port", strconv.Itoa(bus)}
		c.Nodes = append(c.Nodes, launch(t, t.TempDir(), nil, args, "", nil))
		c.bus = append(c.bus, bus)
	}
	c.assignSlots(t)
	c.meet(t)
	c.waitOK(t, 20*time.Second)
	return c
}

// Addrs returns the host:port of every node.
func (c *Cluster) Addrs() []string {
	var out []string
	for _, n := range c.Nodes {
		out = append(out, n.Addr())
	}
	return out
}

// URL returns the store URL of the cluster: redis+cluster://a,b,c.
func (c *Cluster) URL() string {
	return "redis+cluster://" + strings.Join(c.Addrs(), ",")
}

func (c *Cluster) assignSlots(t testing.TB) {
	t.Helper()
	const slots = 16384
	for i, n := range c.Nodes {
		lo, hi := i*slots/len(c.Nodes), (i+1)*slots/len(c.Nodes)-1
		n.MustDo("CLUSTER", "ADDSLOTSRANGE", strconv.Itoa(lo), strconv.Itoa(hi))
		n.MustDo("CLUSTER", "SET-CONFIG-EPOCH", strconv.Itoa(i+1))
	}
}

func (c *Cluster) meet(t testing.TB) {
	t.Helper()
	for i, n := range c.Nodes[1:] {
		c.Nodes[0].MustDo("CLUSTER", "MEET", "127.0.0.1", strconv.Itoa(n.Port()), strconv.Itoa(c.bus[i+1]))
	}
}

func (c *Cluster) waitOK(t testing.TB, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for _, n := range c.Nodes {
		for !clusterOK(n) {
			if time.Now().After(deadline) {
				t.Fatalf("redistest: cluster not ok after %v: %v", limit, n.MustDo("CLUSTER", "INFO"))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func clusterOK(n *Server) bool {
	v, err := n.doTimeout(time.Second, "CLUSTER", "INFO")
	info, _ := v.(string)
	return err == nil && strings.Contains(info, "cluster_state:ok") &&
		strings.Contains(info, "cluster_known_nodes:3")
}
