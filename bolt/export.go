package bolt

import (
	"context"
	"time"

	"go.etcd.io/bbolt"

	"github.com/tokenmanager/tokenmanager"
)

var _ tokenmanager.Exporter = (*Store)(nil)

// Export calls fn with every record still of use at now, from one read
// transaction: a consistent snapshot, even while the server writes. The
// index buckets are not exported: the store that imports the records
// builds its own. A bucket added to the store needs its case here.
func (s *Store) Export(ctx context.Context, now time.Time, fn func(tokenmanager.Record) error) error {
	return s.view(ctx, func(tx *bbolt.Tx) error {
		for _, step := range []func(*bbolt.Tx, time.Time, func(tokenmanager.Record) error) error{
			exportKeySet, exportAccounts, exportSessions, exportCancellations, exportClients, exportStatusLists,
		} {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := step(tx, now, fn); err != nil {
				return err
			}
		}
		return nil
	})
}

func exportKeySet(tx *bbolt.Tx, _ time.Time, fn func(tokenmanager.Record) error) error {
	ks, err := getKeySet(tx)
	if tokenmanager.ErrorCode(err) == tokenmanager.ENotFound {
		return nil
	} else if err != nil {
		return err
	}
	return fn(tokenmanager.Record{KeySet: ks})
}

func exportAccounts(tx *bbolt.Tx, _ time.Time, fn func(tokenmanager.Record) error) error {
	return tx.Bucket(bucketAccounts).ForEach(func(_, v []byte) error {
		a, err := decodeAccount(v)
		if err != nil {
			return err
		}
		return fn(tokenmanager.Record{Account: a})
	})
}

func exportSessions(tx *bbolt.Tx, now time.Time, fn func(tokenmanager.Record) error) error {
	return tx.Bucket(bucketSessions).ForEach(func(_, v []byte) error {
		x, err := decodeSession(v)
		if err != nil || x.Expired(now) {
			return err
		}
		return fn(tokenmanager.Record{Session: x})
	})
}

func exportCancellations(tx *bbolt.Tx, now time.Time, fn func(tokenmanager.Record) error) error {
	return tx.Bucket(bucketCancels).ForEach(func(_, v []byte) error {
		var c tokenmanager.Cancellation
		if err := decode(v, &c); err != nil || c.Expired(now) {
			return err
		}
		return fn(tokenmanager.Record{Cancellation: &c})
	})
}

// exportClients reads the clients bucket, which a file written before
// clients existed lacks.
func exportClients(tx *bbolt.Tx, _ time.Time, fn func(tokenmanager.Record) error) error {
	b := tx.Bucket(bucketClients)
	if b == nil {
		return nil
	}
	return b.ForEach(func(_, v []byte) error {
		c, err := decodeClient(v)
		if err != nil {
			return err
		}
		return fn(tokenmanager.Record{Client: c})
	})
}

// exportStatusLists reads the status lists bucket (created on first use)
// and skips the lists that expired.
func exportStatusLists(tx *bbolt.Tx, now time.Time, fn func(tokenmanager.Record) error) error {
	b := tx.Bucket(bucketStatus)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		rec := statusRecord(v)
		if rec.expiry() <= now.UnixNano() {
			return nil
		}
		return fn(tokenmanager.Record{StatusList: &tokenmanager.StatusListRecord{
			ID: string(k), Reserved: rec.next(), ExpiresAt: time.Unix(0, rec.expiry()),
			Bits: append([]byte(nil), rec[min(len(rec), statusHeader):]...),
		}})
	})
}
