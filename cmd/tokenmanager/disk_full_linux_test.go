package main

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// setFileSizeLimit sets the soft RLIMIT_FSIZE of the running process pid
// (prlimit(2)) and returns the limit it replaced: past it, the process's
// writes that would grow a file fail with EFBIG (once SIGXFSZ is ignored),
// as on a full disk.
func setFileSizeLimit(t *testing.T, pid int, soft uint64) syscall.Rlimit {
	t.Helper()
	var old syscall.Rlimit
	if err := prlimit(pid, nil, &old); err != nil {
		t.Fatalf("prlimit: %v", err)
	}
	if err := prlimit(pid, &syscall.Rlimit{Cur: soft, Max: old.Max}, nil); err != nil {
		t.Fatalf("prlimit: %v", err)
	}
	return old
}

func prlimit(pid int, set, old *syscall.Rlimit) error {
	_, _, e := syscall.RawSyscall6(syscall.SYS_PRLIMIT64, uintptr(pid), syscall.RLIMIT_FSIZE,
		uintptr(unsafe.Pointer(set)), uintptr(unsafe.Pointer(old)), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// TestDiskFull runs the real server, then takes away its room to grow the
// store file (RLIMIT_FSIZE at the file's size, as a full disk): writes get
// 503 with a clear log line, every cancellation acknowledged before stays
// refused, verification goes on, and once the room is back writes work
// again without a restart, and a restart finds everything acknowledged.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	p := startProcess(t, dir)
	keep, load := p.user("keeper"), p.user("loader")
	fi, err := os.Stat(storeFile(dir))
	if err != nil {
		t.Fatal(err)
	}
	old := setFileSizeLimit(t, p.cmd.Process.Pid, uint64(fi.Size()))

	acked, refresh, full := []cancelled{}, load.RefreshToken, (*response)(nil)
	for i := 0; i < 5000 && full == nil; i++ {
		r := p.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": refresh})
		if r.Status != 200 {
			full = r
			break
		}
		tk := decodeTokens(t, r)
		refresh = tk.RefreshToken
		if r = p.do("POST", "/tokens/cancel", tk.AccessToken, nil); r.Status != 204 {
			full = r
			break
		}
		acked = append(acked, cancelled{tk.AccessToken, time.Now()})
	}
	if full == nil {
		t.Fatalf("no write failed in %d cancellations with the file size limited to %d bytes", len(acked), fi.Size())
	}
	t.Logf("the first failed write came after %d acknowledged cancellations", len(acked))
	expect(t, full, 503, "a write with the disk full")
	if line := p.logs.await("THE EMBEDDED STORE CANNOT WRITE"); line == "" {
		t.Fatal("no log line says that the store cannot write")
	}
	if m := p.do("GET", "/metrics", "", nil); !strings.Contains(string(m.Body), "tokenmanager_store_write_failing 1") {
		t.Fatal("/metrics does not say tokenmanager_store_write_failing 1 with the disk full")
	}
	// A write that fits in the file's free pages may still succeed; any
	// other is a 503, never a 500 or an acknowledgement of nothing.
	if r := p.do("POST", "/sign-up", "", map[string]string{"username": "newcomer", "password": "password-newcomer"}); r.Status != 201 {
		expect(t, r, 503, "sign-up with the disk full")
	}
	expect(t, p.do("GET", "/account", keep.AccessToken, nil), 200, "a live token with the disk full")
	expect(t, p.do("GET", "/auth/verify", keep.AccessToken, nil), 200, "forward-auth with the disk full")
	for _, c := range acked {
		expect(t, p.do("GET", "/account", c.access, nil), 401, "a cancelled token with the disk full")
	}

	setFileSizeLimit(t, p.cmd.Process.Pid, old.Cur)
	r := p.do("POST", "/tokens/refresh", "", map[string]string{"refresh_token": keep.RefreshToken})
	expect(t, r, 200, "a write once there is room again")
	keep = decodeTokens(t, r)
	expect(t, p.do("POST", "/tokens/cancel", keep.AccessToken, nil), 204, "a cancellation once there is room again")
	if line := p.logs.await("can write again"); line == "" {
		t.Fatal("no log line says that the store can write again")
	}
	if m := p.do("GET", "/metrics", "", nil); !strings.Contains(string(m.Body), "tokenmanager_store_write_failing 0") {
		t.Fatal("/metrics does not say tokenmanager_store_write_failing 0 once writes work")
	}
	p.stop()
	p = startProcess(t, dir)
	for _, c := range append(acked, cancelled{access: keep.AccessToken}) {
		expect(t, p.do("GET", "/account", c.access, nil), 401, "an acknowledged cancellation after a restart")
	}
	refreshed(p, keep, "the keeper's session after a restart")
}
