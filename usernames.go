package tokenmanager

import (
	"strings"
	"unicode"

	"github.com/tokenmanager/tokenmanager/internal/confusables"
)

// unportable are the characters a new username may not hold, because the
// name must pass unchanged through a URL path segment (the admin routes
// /admin/users/{username}/…, the operator commands that call them) and an
// HTTP header value (X-Auth-Subject of forward-auth): "/" and "\" split
// or are turned into path separators by some proxies, "?" and "#" end
// the path, "%" starts an escape that some layers decode twice, and ";"
// starts path parameters in some servers. Everything else a canonical
// name can hold (letters, digits, other punctuation, no spaces or
// controls) is escaped and unescaped without loss, and is a valid
// header value.
const unportable = `/\?#%;`

// checkNewUsername refuses a canonical name that cannot be signed up:
// one of the dot segments "." and ".." (a client's path cleaning turns
// /admin/users/../cancel into another route), or one holding a character
// of unportable. Existing accounts are not checked again: these rules
// apply at sign-up only.
func checkNewUsername(name string) error {
	if name == "." || name == ".." {
		return Errorf(EInvalid, "username cannot be %q", name)
	}
	if i := strings.IndexAny(name, unportable); i >= 0 {
		return Errorf(EInvalid, "username cannot contain %q (names must pass unchanged through URLs and headers)", name[i])
	}
	return nil
}

// UsernameSkeleton returns the confusable skeleton (Unicode UTS #39) of a
// canonical username: names a reader could take for one another, such as
// "admin", "admın" (dotless i) and "ɑdmin" (Latin alpha), have the same
// skeleton. Stores index accounts by it, so that a new name whose
// skeleton is an existing account's is refused (EConflict) atomically
// with the check of the name itself. On top of UTS #39's skeleton, a dot
// above on a letter that has one already (i, j: Soft_Dotted) is dropped,
// one of the standard's optional checks (section 5.4): "admi̇n", what
// "ADMİN" lower-cases to, is "admin" to a reader.
func UsernameSkeleton(name string) string {
	skel := confusables.Skeleton(name)
	if !strings.ContainsRune(skel, combiningDotAbove) {
		return skel
	}
	var b strings.Builder
	prev := rune(0)
	for _, r := range skel {
		if r != combiningDotAbove || !unicode.Is(unicode.Soft_Dotted, prev) {
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

// combiningDotAbove is U+0307.
const combiningDotAbove = '\u0307'
