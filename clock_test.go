package tokenmanager

import (
	"context"
	"strings"
	"testing"
	"time"
)

// fixedSource is a store clock at a fixed distance from the local one.
type fixedSource struct{ ahead time.Duration }

func (f fixedSource) Time(context.Context) (time.Time, error) { return time.Now().Add(f.ahead), nil }

func TestClockFollowsTheStore(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ahead time.Duration // the store's clock minus the local one
		err   string
	}{
		{"Agrees", 0, ""},
		{"LocalBehindWithin", 500 * time.Millisecond, ""},
		{"LocalAheadBeyond", -10 * time.Second, "10s ahead of the store's"},
		{"LocalBehindBeyond", 3 * time.Second, "3s behind the store's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Clock{}
			if err := c.Check(time.Second); err == nil {
				t.Fatal("an unsynced clock passes the check")
			}
			if err := c.Sync(context.Background(), fixedSource{tc.ahead}); err != nil {
				t.Fatal(err)
			}
			if d := c.Now().Sub(time.Now().Add(tc.ahead)).Abs(); d > 50*time.Millisecond {
				t.Fatalf("corrected clock is %s from the store's", d)
			}
			err := c.Check(time.Second)
			if (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("Check = %v, want %q", err, tc.err)
			}
		})
	}
}
