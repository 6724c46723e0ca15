package tokenmanager

import (
	"strings"

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
// with the check of the name itself.
func UsernameSkeleton(name string) string { return confusables.Skeleton(name) }
