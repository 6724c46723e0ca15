// Package storetest is the behaviour that every tokenmanager.Store must
// have, written once and run against every backend: a backend is done when
// Run (and, for one that keeps its data in a directory, RunPersistence)
// passes against it.
//
// A backend's test calls it with a function that opens an empty store:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) tokenmanager.Store {
//			s, err := bolt.Open(filepath.Join(t.TempDir(), "tm.db"))
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
package storetest

import (
	"testing"

	"github.com/tokenmanager/tokenmanager"
)

// Opener returns a new, empty store for one subtest. The suite closes the
// store when the subtest ends, so the opener must not close it itself.
type Opener func(t *testing.T) tokenmanager.Store

// Run runs the behaviour suite against the stores that open returns. Every
// subtest opens its own store. Subtests do not run in parallel, so a
// backend that shares one server between subtests may empty it in open.
//
// Times are millisecond-precise in the suite, as in tokens: a store must
// keep at least that precision.
func Run(t *testing.T, open func(t *testing.T) tokenmanager.Store) {
	t.Helper()
	o := closing(open)
	t.Run("Accounts", func(t *testing.T) { testAccounts(t, o) })
	t.Run("AccountLifecycle", func(t *testing.T) { testAccountLifecycle(t, o) })
	t.Run("AccountSkeletons", func(t *testing.T) { testAccountSkeletons(t, o) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, o) })
	t.Run("Cancellations", func(t *testing.T) { testCancellations(t, o) })
	t.Run("KeySet", func(t *testing.T) { testKeySet(t, o) })
	t.Run("KeyRotation", func(t *testing.T) { testKeyRotation(t, o) })
	t.Run("Clients", func(t *testing.T) { testClients(t, o) })
	t.Run("StatusLists", func(t *testing.T) { testStatusLists(t, o) })
	t.Run("EventStreams", func(t *testing.T) { testEventStreams(t, o) })
	t.Run("SessionStatus", func(t *testing.T) { testSessionStatus(t, o) })
	t.Run("Ping", func(t *testing.T) {
		if err := o(t).Ping(t.Context()); err != nil {
			t.Fatalf("Ping on a healthy store = %v, want nil", err)
		}
	})
}

// closing wraps open so that every store it returns is closed, and the
// close checked, when the subtest that opened it ends.
func closing(open func(t *testing.T) tokenmanager.Store) Opener {
	return func(t *testing.T) tokenmanager.Store {
		t.Helper()
		s := open(t)
		if s == nil {
			t.Fatal("open returned a nil store")
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	}
}
