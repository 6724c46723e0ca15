package confusables

import "testing"

func TestSkeleton(t *testing.T) {
	for _, tc := range []struct {
		name, a, b string
		same       bool
	}{
		{"DotlessI", "admın", "admin", true},
		{"LatinAlpha", "ɑdmin", "admin", true},
		{"CyrillicA", "\u0430dmin", "admin", true},
		{"GreekOmicron", "r\u03bfot", "root", true},
		{"DigitOne", "pay1", "payl", true},
		{"DigitZero", "r00t", "root", false}, // 0 → O, o stays o: UTS #39 is case-sensitive
		{"RNForM", "rnallory", "mallory", true},
		{"Decomposed", "jose\u0301", "josé", true},
		{"ZeroWidth", "ad\u200bmin", "admin", true},
		{"Different", "alice", "bob", false},
		{"OneLetterOff", "admin", "admins", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Skeleton(tc.a) == Skeleton(tc.b); got != tc.same {
				t.Fatalf("Skeleton(%q) = %q, Skeleton(%q) = %q: same = %v, want %v", tc.a, Skeleton(tc.a), tc.b, Skeleton(tc.b), got, tc.same)
			}
		})
	}
	t.Run("TableLoaded", func(t *testing.T) {
		if n := len(table()); n < 6000 {
			t.Fatalf("%d mappings, want the whole table", n)
		}
	})
}
