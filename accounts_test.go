package tokenmanager

import (
	"testing"
	"time"
)

func TestCanonicalUsername(t *testing.T) {
	cases := []struct {
		name, in, want string
		ok             bool
	}{
		{"Plain", "alice", "alice", true},
		{"UpperCase", "Alice", "alice", true},
		{"FullWidth", "ａｌｉｃｅ", "alice", true},
		{"Accented", "José", "josé", true},
		{"Decomposed", "Jose\u0301", "josé", true},
		{"Empty", "", "", false},
		{"Space", "al ice", "", false},
		{"Control", "al\x00ice", "", false},
		{"TooLong", string(make([]byte, 65)), "", false},
		{"Emoji", "a😀", "", false},
		{"MixedCyrillicLatin", "\u0430lice", "", false},
		{"AllCyrillic", "Алиса", "алиса", true},
		{"Japanese", "日本ひらがなカタカナ", "日本ひらがなカタカナ", true},
		{"GreekLatin", "\u03b1lpha", "", false},
		{"DigitsAndPunctuation", "bob_42.x", "bob_42.x", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CanonicalUsername(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("CanonicalUsername(%q) = %q, %v; want %q, ok=%v", tc.in, got, err, tc.want, tc.ok)
			}
			if err != nil && ErrorCode(err) != EInvalid {
				t.Fatalf("code %q, want %q", ErrorCode(err), EInvalid)
			}
		})
	}
}

func TestPasswordHash(t *testing.T) {
	p := Argon2Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
	h := HashPassword("correct horse", p)
	if !CheckPassword("correct horse", h) {
		t.Fatal("the right password is refused")
	}
	for _, bad := range []string{"correct hors", "", "correct horse "} {
		if CheckPassword(bad, h) {
			t.Fatalf("%q accepted", bad)
		}
	}
	for _, hash := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=64,t=0,p=1$AAAA$AAAA", "plain"} {
		if CheckPassword("x", hash) {
			t.Fatalf("malformed hash %q accepted", hash)
		}
	}
	if DefaultArgon2.Memory != 19456 || DefaultArgon2.Time != 2 || DefaultArgon2.Threads != 1 {
		t.Fatalf("defaults %+v are not OWASP's m=19456,t=2,p=1", DefaultArgon2)
	}
}

func TestParseLimit(t *testing.T) {
	for in, want := range map[string]Limit{"10/15m": {10, 15 * time.Minute}, "off": {}, "0/1s": {0, time.Second}} {
		if got, err := ParseLimit(in); err != nil || got != want {
			t.Errorf("ParseLimit(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "10", "x/1m", "10/x", "-1/1m", "10/0s"} {
		if _, err := ParseLimit(in); ErrorCode(err) != EInvalid {
			t.Errorf("ParseLimit(%q) err = %v", in, err)
		}
	}
}
