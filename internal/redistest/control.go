package redistest

import (
	"syscall"
	"time"
)

// Kill ends the server with SIGKILL, as a crash would: nothing is flushed
// that was not already written, which is what a durability test needs.
func (s *Server) Kill() {
	s.t.Helper()
	s.signal(syscall.SIGKILL)
	s.wait(10 * time.Second)
}

// Stop shuts the server down cleanly (SIGTERM) and waits for it to exit.
func (s *Server) Stop() {
	s.t.Helper()
	s.Resume()
	s.signal(syscall.SIGTERM)
	if !s.wait(10 * time.Second) {
		s.Kill()
	}
}

// Restart stops the server if it runs and starts it again on the same port
// and directory, so that it replays its AOF.
func (s *Server) Restart() {
	s.t.Helper()
	if s.Running() {
		s.Stop()
	}
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: cannot restart redis-server: %v\n%s", err, s.logTail())
	}
}

// Pause freezes the server (SIGSTOP): its connections stay open but nothing
// answers, like a stalled host or a silently dropped link.
func (s *Server) Pause() {
	s.mu.Lock()
	s.paused = true
	s.mu.Unlock()
	s.signal(syscall.SIGSTOP)
}

// Resume lets a paused server go on (SIGCONT).
func (s *Server) Resume() {
	s.mu.Lock()
	was := s.paused
	s.paused = false
	s.mu.Unlock()
	if was {
		s.signal(syscall.SIGCONT)
	}
}

// Running reports whether the process is alive (paused or not).
func (s *Server) Running() bool {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

func (s *Server) signal(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(sig)
	}
}

// wait waits up to d for the process to exit and reports whether it did.
func (s *Server) wait(d time.Duration) bool {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done == nil {
		return true
	}
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

func (s *Server) cleanup() {
	s.Resume()
	s.signal(syscall.SIGKILL)
	s.wait(10 * time.Second)
}
