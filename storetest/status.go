package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// testStatusLists checks the Token Status Lists of a store that keeps them:
// reserved blocks never overlap, an invalidated entry reads 1 at bit i%8
// (least significant first) of byte i/8, the session's entries survive a
// round trip, an unknown list is ENotFound, and an entry of a list that was
// never reserved is not created by invalidating it.
func testStatusLists(t *testing.T, open Opener) {
	s, ok := open(t).(tokenmanager.StatusStore)
	if !ok {
		t.Skip("the store keeps no status lists")
	}
	ctx := t.Context()
	exp := time.Now().Add(time.Hour)
	a, err := s.ReserveStatusIndices(ctx, "1000", 16, exp)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.ReserveStatusIndices(ctx, "1000", 16, exp)
	if err != nil {
		t.Fatal(err)
	}
	if a != 0 || b != 16 {
		t.Fatalf("two blocks of 16 start at %d and %d, want 0 and 16", a, b)
	}
	refs := []tokenmanager.StatusRef{{List: "1000", Index: 0}, {List: "1000", Index: 3}, {List: "1000", Index: 17}, {List: "2000", Index: 5}}
	if err := s.InvalidateStatus(ctx, refs); err != nil {
		t.Fatal(err)
	}
	bits, size, err := s.StatusList(ctx, "1000")
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0b00001001, 0, 0b00000010}
	if size != 32 || !bytes.Equal(bits, want) {
		t.Fatalf("list 1000: size %d, bits %08b; want 32, %08b", size, bits, want)
	}
	if _, _, err := s.StatusList(ctx, "2000"); tokenmanager.ErrorCode(err) != tokenmanager.ENotFound {
		t.Fatalf("a list never reserved (only invalidated): %v, want not_found", err)
	}
}

// testSessionStatus checks that a session keeps its status list entries.
func testSessionStatus(t *testing.T, open Opener) {
	store := open(t)
	now := time.Now().Truncate(time.Millisecond)
	sess := &tokenmanager.Session{ID: "sess-status", Subject: "alice", CreatedAt: now, LastUsedAt: now,
		Generation: 1, Salt: []byte("salt"), RefreshHash: []byte("hash"), RotatedAt: now,
		RefreshExpiresAt: now.Add(time.Hour),
		Status:           []tokenmanager.StatusRef{{List: "1000", Index: 7, ExpiresAt: now.Add(time.Minute)}}}
	if err := store.CreateSession(t.Context(), sess); err != nil {
		t.Fatal(err)
	}
	got, err := store.Session(t.Context(), sess.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Status) != 1 || got.Status[0].Index != 7 || got.Status[0].List != "1000" || !got.Status[0].ExpiresAt.Equal(sess.Status[0].ExpiresAt) {
		t.Fatalf("the session's status entries came back as %+v", got.Status)
	}
}
