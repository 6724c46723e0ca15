package tokenmanager

import (
	"testing"
	"time"
)

func TestKeySetRotateAndPrune(t *testing.T) {
	ks := &KeySet{Keys: []SigningKey{{ID: "a", Alg: "EdDSA", CreatedAt: t0}}}
	ks.Rotate(SigningKey{ID: "b", Alg: "EdDSA", CreatedAt: t0.Add(time.Hour)}, t0.Add(time.Hour))
	if a, ok := ks.Active(); !ok || a.ID != "b" {
		t.Fatalf("active %v %v, want b", a.ID, ok)
	}
	if len(ks.Keys) != 2 || !ks.Keys[0].RetiredAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("keys %+v", ks.Keys)
	}
	if ks.Prune(t0.Add(time.Hour+5*time.Minute), 5*time.Minute) || len(ks.Keys) != 2 {
		t.Fatal("pruned a key whose tokens may still be valid")
	}
	if !ks.Prune(t0.Add(time.Hour+5*time.Minute+time.Millisecond), 5*time.Minute) || len(ks.Keys) != 1 || ks.Keys[0].ID != "b" {
		t.Fatalf("after prune %+v", ks.Keys)
	}
}
