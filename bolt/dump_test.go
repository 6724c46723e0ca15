package bolt_test

import (
	"path/filepath"
	"testing"

	"github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/storetest"
)

func TestExport(t *testing.T) {
	storetest.RunExport(t, func(t *testing.T, name string) interface {
		tokenmanager.Store
		tokenmanager.Exporter
	} {
		s := mustOpen(t, filepath.Join(t.TempDir(), name+".db"))
		t.Cleanup(func() { s.Close() })
		return s
	})
}
