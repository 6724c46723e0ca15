package tokenmanager

import "testing"

// TestUsernameSkeleton: UTS #39's skeleton, plus the optional check of a
// dot above on a letter that has one already.
func TestUsernameSkeleton(t *testing.T) {
	for _, tc := range []struct {
		name, a, b string
		same       bool
	}{
		{"DotlessI", "admın", "admin", true},
		{"DotAboveI", "admi\u0307n", "admin", true},
		{"DotAboveJ", "j\u0307ane", "jane", true},
		{"DotAboveElsewhere", "a\u0307dmin", "admin", false},
		{"Different", "alice", "alicia", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := UsernameSkeleton(tc.a) == UsernameSkeleton(tc.b); got != tc.same {
				t.Fatalf("UsernameSkeleton(%q) = %q, of %q = %q: same %v, want %v", tc.a, UsernameSkeleton(tc.a), tc.b, UsernameSkeleton(tc.b), got, tc.same)
			}
		})
	}
}
