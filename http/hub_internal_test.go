package http

import (
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

func cancellation(id string) tokenmanager.Cancellation {
	return tokenmanager.Cancellation{Kind: tokenmanager.KindSession, ID: id, ExpiresAt: time.UnixMilli(1e12)}
}

func TestHub(t *testing.T) {
	tests := []struct {
		name     string
		buffer   int
		publish  []string
		wantGone bool
		wantSeqs []uint64
	}{
		{"Delivers", 4, []string{"a", "b"}, false, []uint64{1, 2}},
		{"RepeatOnce", 4, []string{"a", "a", "b"}, false, []uint64{1, 2}},
		{"SlowSubscriberDropped", 2, []string{"a", "b", "c"}, true, []uint64{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &Hub{Buffer: tt.buffer}
			sub, seq := h.subscribe()
			if seq != 0 {
				t.Fatalf("first seq = %d", seq)
			}
			for _, id := range tt.publish {
				h.Publish(cancellation(id)) // never blocks, even with nobody reading
			}
			var got []uint64
			for len(sub.events) > 0 {
				got = append(got, (<-sub.events).seq)
			}
			if len(got) != len(tt.wantSeqs) || isClosed(sub.gone) != tt.wantGone {
				t.Fatalf("seqs %v (want %v), gone %v (want %v)", got, tt.wantSeqs, isClosed(sub.gone), tt.wantGone)
			}
			if want := 1 - btoi(tt.wantGone); h.Subscribers() != want {
				t.Fatalf("Subscribers() = %d, want %d", h.Subscribers(), want)
			}
			h.unsubscribe(sub) // after a drop too: no double close
		})
	}
}

func TestHubRecentIsBounded(t *testing.T) {
	h := &Hub{}
	for i := range 3 * recentSize {
		h.Publish(cancellation(string(rune('a'+i%26)) + time.Duration(i).String()))
	}
	if len(h.recent) != recentSize || len(h.ring) != recentSize {
		t.Fatalf("recent %d, ring %d; want %d", len(h.recent), len(h.ring), recentSize)
	}
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
