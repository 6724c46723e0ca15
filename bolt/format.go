package bolt

import (
	"strconv"

	"go.etcd.io/bbolt"

	"github.com/tokenmanager/tokenmanager"
)

// FormatVersion is the layout of the file this package writes: the
// buckets and the encoding of their records. Open upgrades a file of an
// older format in place and refuses a newer one rather than misread it (a
// binary rolled back after an upgrade). It is stored as a decimal string
// under "version" in the meta bucket; a file without one is of format 1.
const FormatVersion = 2

var keyVersion = []byte("version")

// upgrades[v-1] turns a file of format v into format v+1, inside Open's
// transaction (so a failed upgrade leaves the file as it was), after every
// bucket of the current format is created. A change of layout adds its
// step here and increments FormatVersion. An older binary refuses the
// upgraded file: it would not keep the new layout up to date.
var upgrades = []func(*bbolt.Tx) error{
	backfillSkeletons, // 1 -> 2: the username skeleton index (account_skeletons)
}

// checkFormat refuses a file whose format this binary cannot read: newer
// than FormatVersion, or not a number.
func checkFormat(tx *bbolt.Tx, path string) error {
	v, err := storedFormat(tx)
	if err != nil {
		return tokenmanager.Wrap(tokenmanager.EInternal, err, "the store "+path+" has an unreadable format version")
	}
	if v > FormatVersion {
		return tokenmanager.Errorf(tokenmanager.EInvalid,
			"the store %s is of format %d, written by a newer tokenmanager; this one reads format %d at most: run the newer version (or restore a backup made by this one)",
			path, v, FormatVersion)
	}
	return nil
}

// storedFormat returns the file's format: 1 when it names none (a new
// file, or one written before formats were numbered).
func storedFormat(tx *bbolt.Tx) (int, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil || meta.Get(keyVersion) == nil {
		return 1, nil
	}
	return strconv.Atoi(string(meta.Get(keyVersion)))
}

// upgradeFormat runs the steps from the file's format to FormatVersion and
// records the new format.
func upgradeFormat(tx *bbolt.Tx) error {
	v, err := storedFormat(tx)
	if err != nil {
		return tokenmanager.Wrap(tokenmanager.EInternal, err, "unreadable format version")
	}
	for ; v < FormatVersion; v++ {
		if err := upgrades[v-1](tx); err != nil {
			return tokenmanager.Wrap(tokenmanager.EInternal, err, "cannot upgrade the store from format "+strconv.Itoa(v))
		}
	}
	want := []byte(strconv.Itoa(FormatVersion))
	if string(tx.Bucket(bucketMeta).Get(keyVersion)) == string(want) {
		return nil
	}
	return put(tx.Bucket(bucketMeta), keyVersion, want)
}
