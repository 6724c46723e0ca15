package bolt

import (
	"bytes"
	"time"

	"go.etcd.io/bbolt"
)

// An expiry index is a bucket of expiryKey(expiry, record key) entries
// with empty values, kept in the same transaction as the records. It lets
// Sweep visit only the records that expired instead of scanning them all.

// indexExpiry adds the index entry of a record that expires at t.
func indexExpiry(tx *bbolt.Tx, bucket []byte, t time.Time, key []byte) error {
	return put(tx.Bucket(bucket), expiryKey(t, key), []byte{})
}

// unindexExpiry removes the index entry of a record that expires at t.
func unindexExpiry(tx *bbolt.Tx, bucket []byte, t time.Time, key []byte) error {
	return del(tx.Bucket(bucket), expiryKey(t, key))
}

// dueEntry is an index entry found by due, and the record key it names.
type dueEntry struct {
	index, key []byte
}

// due returns the entries of an expiry index whose millisecond is at or
// before now's: the records that may have expired at now. The caller
// decides with the record's own Expired(now), which is exact to the
// nanosecond. Keys are copied, so the caller may delete while using them.
func due(tx *bbolt.Tx, bucket []byte, now time.Time) []dueEntry {
	cut := now.UnixMilli()
	var es []dueEntry
	c := tx.Bucket(bucket).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		ms, key := splitExpiryKey(k)
		if ms > cut {
			break
		}
		es = append(es, dueEntry{index: bytes.Clone(k), key: bytes.Clone(key)})
	}
	return es
}
