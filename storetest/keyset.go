package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// newKeySet returns a key set with a retired and an active key; tag makes
// the bytes of two sets differ.
func newKeySet(tag byte, now time.Time) *tokenmanager.KeySet {
	return &tokenmanager.KeySet{
		Keys: []tokenmanager.SigningKey{
			{ID: "kid-old", Alg: "HS256", Private: []byte{tag, 0x00, 0xff, 1},
				CreatedAt: now.Add(-48 * time.Hour), RetiredAt: now.Add(-24 * time.Hour)},
			{ID: "kid-new", Alg: "EdDSA", Private: []byte{tag, 0x30, 0x2e, 0x02, 0x01, 0x00},
				CreatedAt: now.Add(-24 * time.Hour)},
		},
		RefreshKey: []byte{tag, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31},
	}
}

func testKeySet(t *testing.T, open Opener) {
	now := baseTime()
	t.Run("ErrNotFoundBeforeInit", func(t *testing.T) {
		_, err := open(t).KeySet(t.Context())
		wantCode(t, err, tokenmanager.ENotFound)
	})
	t.Run("InitThenGet", func(t *testing.T) {
		s := open(t)
		got, err := s.InitKeySet(t.Context(), newKeySet('a', now))
		mustNil(t, err, "InitKeySet")
		sameKeySet(t, "InitKeySet", got, newKeySet('a', now))
		got, err = s.KeySet(t.Context())
		mustNil(t, err, "KeySet")
		sameKeySet(t, "KeySet", got, newKeySet('a', now))
	})
	t.Run("FirstWins", func(t *testing.T) {
		s := open(t)
		_, err := s.InitKeySet(t.Context(), newKeySet('a', now))
		mustNil(t, err, "InitKeySet(a)")
		got, err := s.InitKeySet(t.Context(), newKeySet('b', now))
		mustNil(t, err, "InitKeySet(b)")
		sameKeySet(t, "second InitKeySet", got, newKeySet('a', now))
		got, err = s.KeySet(t.Context())
		mustNil(t, err, "KeySet")
		sameKeySet(t, "KeySet", got, newKeySet('a', now))
	})
	t.Run("ConcurrentInit", func(t *testing.T) { testConcurrentInit(t, open, now) })
}

// testConcurrentInit starts two instances at once: both must end up with
// the same stored set, one of the two offered.
func testConcurrentInit(t *testing.T, open Opener, now time.Time) {
	s := open(t)
	offered := []*tokenmanager.KeySet{newKeySet('a', now), newKeySet('b', now)}
	got := make([]*tokenmanager.KeySet, len(offered))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, ks := range offered {
		wg.Go(func() {
			<-start
			var err error
			if got[i], err = s.InitKeySet(t.Context(), ks); err != nil {
				t.Errorf("InitKeySet(%c): %v", ks.RefreshKey[0], err)
			}
		})
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		return
	}
	if got[0] == nil || len(got[0].RefreshKey) == 0 {
		t.Fatalf("InitKeySet returned a set without a refresh key: %+v", got[0])
	}
	winner := newKeySet(got[0].RefreshKey[0], now)
	if tag := winner.RefreshKey[0]; tag != 'a' && tag != 'b' {
		t.Fatalf("InitKeySet returned a set that neither instance offered: %+v", *got[0])
	}
	sameKeySet(t, "first instance's key set", got[0], winner)
	sameKeySet(t, "second instance's key set", got[1], winner)
	stored, err := s.KeySet(t.Context())
	mustNil(t, err, "KeySet")
	sameKeySet(t, "stored key set", stored, winner)
}

// testKeyRotation checks KeyRotator on stores that implement it: a
// rotation retires the active key and keeps the old one verifying;
// concurrent rotations lose none.
func testKeyRotation(t *testing.T, open Opener) {
	{
		s := open(t)
		r, ok := s.(tokenmanager.KeyRotator)
		if !ok {
			t.Skip("the store does not implement KeyRotator")
		}
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Millisecond)
		first := tokenmanager.SigningKey{ID: "k0", Alg: "HS256", Private: make([]byte, 32), CreatedAt: now}
		if _, err := s.InitKeySet(ctx, &tokenmanager.KeySet{Keys: []tokenmanager.SigningKey{first}, RefreshKey: make([]byte, 32)}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i := range 5 {
			wg.Go(func() {
				next := tokenmanager.SigningKey{ID: fmt.Sprintf("k%d", i+1), Alg: "HS256", Private: make([]byte, 32), CreatedAt: now}
				if _, err := tokenmanager.RotateKeys(ctx, r, next, now, time.Hour); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		ks, err := s.KeySet(ctx)
		if err != nil {
			t.Fatal(err)
		}
		retired := 0
		for _, k := range ks.Keys {
			if !k.RetiredAt.IsZero() {
				retired++
			}
		}
		if len(ks.Keys) != 6 || retired != 5 {
			t.Fatalf("after 5 concurrent rotations: %d keys, %d retired; want 6 and 5", len(ks.Keys), retired)
		}
		if _, err := r.UpdateKeySet(ctx, func(*tokenmanager.KeySet) error { return tokenmanager.Errorf(tokenmanager.EInvalid, "no") }); tokenmanager.ErrorCode(err) != tokenmanager.EInvalid {
			t.Fatalf("fn's error: %v", err)
		}
	}
}
