package tokenmanager

import (
	"strings"
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

// stateOf returns each key's state at now, as "id:state".
func stateOf(ks *KeySet, now time.Time) []string {
	var out []string
	for _, k := range ks.Keys {
		out = append(out, k.ID+":"+string(k.State(now)))
	}
	return out
}

func sameStates(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("%s: states %v, want %v", what, got, want)
	}
}

// TestKeySetStagedRotation publishes b at t0 to sign from t0+5m: a signs
// until then, b after, each instant in the key set, not in any instance.
func TestKeySetStagedRotation(t *testing.T) {
	at := t0.Add(5 * time.Minute)
	ks := &KeySet{Keys: []SigningKey{{ID: "a", Alg: "EdDSA", CreatedAt: t0.Add(-time.Hour)}}}
	ks.RotateAt(SigningKey{ID: "b", Alg: "ES256", CreatedAt: t0}, at)
	for _, tc := range []struct {
		name   string
		now    time.Time
		active string
		states []string
	}{
		{"Published", t0, "a", []string{"a:active", "b:next"}},
		{"JustBefore", at.Add(-time.Millisecond), "a", []string{"a:active", "b:next"}},
		{"AtActivation", at, "b", []string{"a:retiring", "b:active"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if a, ok := ks.ActiveAt(tc.now); !ok || a.ID != tc.active {
				t.Fatalf("active %q, want %q", a.ID, tc.active)
			}
			sameStates(t, tc.name, stateOf(ks, tc.now), tc.states...)
		})
	}
	if n, _ := ks.Newest(); n.ID != "b" {
		t.Fatalf("newest %q, want b", n.ID)
	}
	if ks.Prune(at.Add(5*time.Minute), 5*time.Minute) || len(ks.Keys) != 2 {
		t.Fatal("pruned a key before its last token expired")
	}
}

// TestKeySetRotateNowSupersedesStaged: an emergency rotation while b is
// staged makes c active at once; b never signs.
func TestKeySetRotateNowSupersedesStaged(t *testing.T) {
	ks := &KeySet{Keys: []SigningKey{{ID: "a", CreatedAt: t0.Add(-time.Hour)}}}
	ks.RotateAt(SigningKey{ID: "b", CreatedAt: t0}, t0.Add(5*time.Minute))
	now := t0.Add(time.Minute)
	ks.RotateAt(SigningKey{ID: "c", CreatedAt: now}, now)
	for _, at := range []time.Time{now, t0.Add(5 * time.Minute), t0.Add(time.Hour)} {
		if a, _ := ks.ActiveAt(at); a.ID != "c" {
			t.Fatalf("active at %v: %q, want c", at, a.ID)
		}
	}
	sameStates(t, "after --now", stateOf(ks, now), "a:retiring", "b:retiring", "c:active")
}

// TestKeySetRevoke revokes each kind of key.
func TestKeySetRevoke(t *testing.T) {
	at := t0.Add(5 * time.Minute)
	staged := func() *KeySet {
		ks := &KeySet{Keys: []SigningKey{{ID: "old", CreatedAt: t0.Add(-time.Hour), RetiredAt: t0.Add(-time.Minute)},
			{ID: "a", Alg: "ES256", CreatedAt: t0.Add(-time.Minute)}}}
		ks.RotateAt(SigningKey{ID: "b", CreatedAt: t0}, at)
		return ks
	}
	fresh := func(alg string) (SigningKey, error) { return SigningKey{ID: "fresh", Alg: alg, CreatedAt: t0}, nil }
	for _, tc := range []struct {
		name, kid string
		found     bool
		states    []string // at t0, then at the staged activation
		later     []string
	}{
		{"Active", "a", true, []string{"old:retiring", "b:retiring", "fresh:active"}, []string{"old:retiring", "b:retiring", "fresh:active"}},
		{"Next", "b", true, []string{"old:retiring", "a:active"}, []string{"old:retiring", "a:active"}},
		{"Retiring", "old", true, []string{"a:active", "b:next"}, []string{"a:retiring", "b:active"}},
		{"Unknown", "nope", false, []string{"old:retiring", "a:active", "b:next"}, []string{"old:retiring", "a:retiring", "b:active"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ks := staged()
			found, err := ks.Revoke(tc.kid, t0, fresh)
			if err != nil || found != tc.found {
				t.Fatalf("Revoke = %v, %v; want %v", found, err, tc.found)
			}
			sameStates(t, "now", stateOf(ks, t0), tc.states...)
			sameStates(t, "at the staged activation", stateOf(ks, at), tc.later...)
			if tc.kid == "a" && ks.Keys[len(ks.Keys)-1].Alg != "ES256" {
				t.Fatal("the fresh key is not of the revoked key's algorithm")
			}
		})
	}
}
