package redis

import (
	"testing"

	tm "github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
	"github.com/tokenmanager/tokenmanager/storetest"
)

// TestExport runs the export suite on one Redis, each store of a subtest
// under its own prefix.
func TestExport(t *testing.T) {
	srv := redistest.Start(t)
	storetest.RunExport(t, func(t *testing.T, name string) interface {
		tm.Store
		tm.Exporter
	} {
		prefix := "x-" + t.Name() + "-" + name
		return mustOpen(t, srv.URL(), WithPrefix(prefix))
	})
}
