package bolt_test

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// BenchmarkCancel measures a durable Cancel: one fsynced bbolt commit.
// "New" adds a fresh token entry each time; "Merge" cancels one subject
// again and again, which reads and rewrites its entry.
//
//	go test -run '^$' -bench Cancel -benchmem ./bolt/
func BenchmarkCancel(b *testing.B) {
	expires := time.Now().Add(time.Hour)
	for _, bc := range []struct {
		name  string
		entry func(i int) tokenmanager.Cancellation
	}{
		{"New", func(i int) tokenmanager.Cancellation {
			return tokenmanager.Cancellation{Kind: tokenmanager.KindToken, Issuer: "https://issuer.example",
				ID: "jti-" + strconv.Itoa(i), Before: expires, ExpiresAt: expires}
		}},
		{"Merge", func(i int) tokenmanager.Cancellation {
			at := expires.Add(time.Duration(i) * time.Millisecond)
			return tokenmanager.Cancellation{Kind: tokenmanager.KindSubject, ID: "alice", Before: at, ExpiresAt: at}
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := mustOpen(b, filepath.Join(b.TempDir(), "tokenmanager.db"))
			defer s.Close()
			ctx := b.Context()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if err := s.Cancel(ctx, bc.entry(i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
