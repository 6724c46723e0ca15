package bolt

import (
	"context"
	"encoding/binary"
	"time"

	"go.etcd.io/bbolt"

	"github.com/tokenmanager/tokenmanager"
)

var _ tokenmanager.StatusStore = (*Store)(nil)

// bucketStatus holds the Token Status Lists: list id -> the number of
// reserved entries (8 bytes), the list's expiry in Unix nanoseconds (8
// bytes), then the bits. It is created on first use.
var bucketStatus = []byte("status_lists")

const statusHeader = 16

// ReserveStatusIndices implements tokenmanager.StatusStore.
func (s *Store) ReserveStatusIndices(ctx context.Context, list string, n uint64, expires time.Time) (uint64, error) {
	var first uint64
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketStatus)
		if err != nil {
			return err
		}
		rec := statusRecord(b.Get([]byte(list)))
		first = rec.next()
		rec.setNext(first + n)
		if exp := expires.UnixNano(); exp > rec.expiry() {
			rec.setExpiry(exp)
		}
		return put(b, []byte(list), rec)
	})
	return first, err
}

// InvalidateStatus implements tokenmanager.StatusStore. Entries of lists
// that are gone (swept: every token in them expired) are skipped.
func (s *Store) InvalidateStatus(ctx context.Context, refs []tokenmanager.StatusRef) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketStatus)
		if err != nil {
			return err
		}
		changed := map[string]statusRecord{}
		for _, r := range refs {
			rec, ok := changed[r.List]
			if !ok {
				if rec = statusRecord(b.Get([]byte(r.List))); rec == nil {
					continue
				}
			}
			changed[r.List] = rec.set(r.Index)
		}
		for list, rec := range changed {
			if err := put(b, []byte(list), rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// StatusList implements tokenmanager.StatusStore.
func (s *Store) StatusList(ctx context.Context, list string) ([]byte, uint64, error) {
	var bits []byte
	var size uint64
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		rec := statusRecord(nil)
		if b := tx.Bucket(bucketStatus); b != nil {
			rec = statusRecord(b.Get([]byte(list)))
		}
		if rec == nil || time.Now().UnixNano() >= rec.expiry() {
			return tokenmanager.Errorf(tokenmanager.ENotFound, "no such status list")
		}
		bits, size = append([]byte(nil), rec[statusHeader:]...), rec.next()
		return nil
	})
	return bits, size, err
}

// sweepStatusLists drops the lists whose every token has expired.
func sweepStatusLists(tx *bbolt.Tx, now time.Time) error {
	b := tx.Bucket(bucketStatus)
	if b == nil {
		return nil
	}
	var gone [][]byte
	err := b.ForEach(func(k, v []byte) error {
		if statusRecord(v).expiry() <= now.UnixNano() {
			gone = append(gone, append([]byte(nil), k...))
		}
		return nil
	})
	for _, k := range gone {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return err
}

// statusRecord is a stored list: header, then bits. A nil record is an
// empty list.
type statusRecord []byte

func (r statusRecord) next() uint64 {
	if len(r) < statusHeader {
		return 0
	}
	return binary.BigEndian.Uint64(r)
}

func (r statusRecord) expiry() int64 {
	if len(r) < statusHeader {
		return 0
	}
	return int64(binary.BigEndian.Uint64(r[8:]))
}

// own returns a copy of r, at least a header long: a value read from bbolt
// must not be changed in place.
func (r statusRecord) own(size int) statusRecord {
	out := make(statusRecord, max(len(r), statusHeader, size))
	copy(out, r)
	return out
}

func (r *statusRecord) setNext(n uint64) {
	*r = r.own(0)
	binary.BigEndian.PutUint64(*r, n)
}

func (r *statusRecord) setExpiry(t int64) {
	*r = r.own(0)
	binary.BigEndian.PutUint64((*r)[8:], uint64(t))
}

// set returns the record with entry i set to 1: bit i%8, least
// significant first, of byte i/8 of the bits.
func (r statusRecord) set(i uint64) statusRecord {
	out := r.own(statusHeader + int(i/8) + 1)
	out[statusHeader+i/8] |= 1 << (i % 8)
	return out
}
