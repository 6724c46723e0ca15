package redis

import (
	"strings"
	"testing"

	"github.com/tokenmanager/tokenmanager/internal/redistest"
)

// TestWarnsAboutRiskySettings reads Redis's settings on the first Ping and
// logs a warning for each that puts acknowledged cancellations at risk.
func TestWarnsAboutRiskySettings(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     []redistest.Option
		want     []string
		wantNone bool
	}{
		{"NoAOF", nil, []string{"PERSISTENCE IS OFF"}, false},
		{"EverySec", []redistest.Option{redistest.WithConfig("appendonly", "yes", "appendfsync", "everysec")},
			[]string{"appendfsync is everysec"}, false},
		{"Evicting", []redistest.Option{redistest.WithAOF(), redistest.WithConfig("maxmemory-policy", "volatile-lru")},
			[]string{"maxmemory-policy volatile-lru can evict"}, false},
		{"Safe", []redistest.Option{redistest.WithAOF()}, []string{"appendfsync always"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := redistest.Start(t, tc.opts...)
			var logs logBuffer
			s := mustOpen(t, srv.URL(), WithLogger(logs.logger()))
			for range 2 { // the second Ping must not log again
				if err := s.Ping(t.Context()); err != nil {
					t.Fatalf("Ping: %v", err)
				}
			}
			out := logs.String()
			for _, w := range tc.want {
				if strings.Count(out, w) != 1 {
					t.Errorf("logs hold %q %d times, want once:\n%s", w, strings.Count(out, w), out)
				}
			}
			if tc.wantNone && strings.Contains(out, "level=WARN") {
				t.Errorf("warnings for safe settings:\n%s", out)
			}
		})
	}
}
