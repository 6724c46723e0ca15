package bolt

import (
	"go.etcd.io/bbolt"

	"github.com/tokenmanager/tokenmanager"
)

// claimSkeleton records name under its confusable skeleton, or refuses
// with EConflict when another account holds that skeleton.
func claimSkeleton(tx *bbolt.Tx, name string) error {
	b := tx.Bucket(bucketSkeletons)
	key := []byte(tokenmanager.UsernameSkeleton(name))
	if owner := b.Get(key); owner != nil && string(owner) != name {
		return tokenmanager.Errorf(tokenmanager.EConflict, "the username %q looks like an existing one", name)
	}
	return put(b, key, []byte(name))
}

// releaseSkeleton frees name's skeleton, if name holds it.
func releaseSkeleton(tx *bbolt.Tx, name string) error {
	b := tx.Bucket(bucketSkeletons)
	key := []byte(tokenmanager.UsernameSkeleton(name))
	if string(b.Get(key)) != name {
		return nil
	}
	return del(b, key)
}

// backfillSkeletons indexes the accounts of a store written before the
// skeleton index existed (its bucket is empty while accounts are not).
// Two old accounts with one skeleton both stay; the first holds it.
func backfillSkeletons(tx *bbolt.Tx) error {
	skel := tx.Bucket(bucketSkeletons)
	if k, _ := skel.Cursor().First(); k != nil {
		return nil
	}
	return tx.Bucket(bucketAccounts).ForEach(func(name, _ []byte) error {
		key := []byte(tokenmanager.UsernameSkeleton(string(name)))
		if skel.Get(key) != nil {
			return nil
		}
		return put(skel, key, name)
	})
}
