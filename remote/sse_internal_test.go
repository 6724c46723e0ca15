package remote

import (
	"bufio"
	"strings"
	"testing"
	"time"
)

func TestSSEReader(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		want      []sseEvent
		wantRetry time.Duration
	}{
		{"Event", "id: 3\nevent: ready\ndata: {}\n\n", []sseEvent{{"3", "ready", "{}"}}, 0},
		{"NoSpaceAfterColon", "event:ready\ndata:{}\n\n", []sseEvent{{"", "ready", "{}"}}, 0},
		{"CRLF", "event: a\r\ndata: 1\r\n\r\n", []sseEvent{{"", "a", "1"}}, 0},
		{"MultiLineData", "event: a\ndata: 1\ndata: 2\n\n", []sseEvent{{"", "a", "1\n2"}}, 0},
		{"CommentsAndRetry", "retry: 2000\n\n: keep-alive\n\nevent: a\ndata: x\n\n", []sseEvent{{"", "a", "x"}}, 2 * time.Second},
		{"NoDataNoEvent", "event: a\n\nevent: b\ndata: y\n\n", []sseEvent{{"", "b", "y"}}, 0},
		{"Truncated", "event: a\ndata: x\n", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &sseReader{sc: bufio.NewScanner(strings.NewReader(tt.in))}
			var got []sseEvent
			for {
				ev, err := r.next(func() {})
				if err != nil {
					break
				}
				got = append(got, ev)
			}
			if len(got) != len(tt.want) || r.retry != tt.wantRetry {
				t.Fatalf("events %q, retry %v; want %q, %v", got, r.retry, tt.want, tt.wantRetry)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("event %d = %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}
