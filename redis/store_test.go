package redis

import (
	"testing"

	tm "github.com/tokenmanager/tokenmanager"
	"github.com/tokenmanager/tokenmanager/internal/redistest"
	"github.com/tokenmanager/tokenmanager/storetest"
)

// TestStore runs the behaviour suite of every backend against one
// standalone Redis, emptied before each subtest.
func TestStore(t *testing.T) {
	srv := redistest.Start(t, redistest.WithPassword("p@ss w/ord"))
	storetest.Run(t, func(t *testing.T) tm.Store {
		flushAll(t, srv)
		s, err := Open(t.Context(), srv.URL(), WithLogger(quiet))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestPersistence runs the suite's reopen check with Redis itself killed
// (SIGKILL) and restarted between the two stores: with appendfsync always,
// everything acknowledged is replayed from the AOF.
func TestPersistence(t *testing.T) {
	srv := redistest.Start(t, redistest.WithAOF())
	opened := 0
	storetest.RunPersistence(t, func(t *testing.T, dir string) tm.Store {
		if opened++; opened > 1 {
			srv.Kill()
			srv.Restart()
		}
		s, err := Open(t.Context(), srv.URL(), WithLogger(quiet))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
