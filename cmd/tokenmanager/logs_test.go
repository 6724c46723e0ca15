package main

import (
	"strings"
	"sync"
	"time"
)

// lineLog keeps the lines a process wrote, for tests that read its logs.
type lineLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *lineLog) add(s string) { l.mu.Lock(); l.lines = append(l.lines, s); l.mu.Unlock() }

// find returns the first line that contains s, or "".
func (l *lineLog) find(s string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}

// await returns the first line that contains s, waiting up to five seconds
// for the process to write it: its stderr is read by another goroutine, so
// a line written just before an answer may arrive after it.
func (l *lineLog) await(s string) string {
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if line := l.find(s); line != "" || time.Now().After(end) {
			return line
		}
	}
}
