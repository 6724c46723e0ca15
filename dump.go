package tokenmanager

import (
	"bytes"
	"context"
	"time"
)

// Record is one item of what a store keeps, in a form that every store
// reads and writes: the unit of backups of the shared store, of
// `tokenmanager migrate` between the embedded store and Redis, and of
// anything else that copies a store's content. Exactly one field is set.
//
// A new kind of stored record (a service client, say) becomes a new field
// here, a case in Import and in the dump codec, and an Export case in each
// store; the field-by-field conversions in the codec fail to compile until
// a field added to Account or Session is carried too.
type Record struct {
	KeySet       *KeySet
	Account      *Account
	Session      *Session
	Cancellation *Cancellation
	Client       *Client
	StatusList   *StatusListRecord
}

// StatusListRecord is one Token Status List as a store keeps it: how many
// entries are reserved, the bits (as StatusStore.StatusList returns them)
// and when the list may be dropped. Copying it keeps the entries of
// cancelled tokens set and keeps new tokens off the indices already
// handed out.
type StatusListRecord struct {
	ID        string    `json:"id"`
	Reserved  uint64    `json:"reserved"`
	Bits      []byte    `json:"bits"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Exporter is implemented by stores that can list everything they keep, so
// that their content can be backed up or moved to another kind of store.
type Exporter interface {
	// Export calls fn with every record that is still of use at now: the
	// key set first (the records after it may need it), then the accounts,
	// the sessions whose refresh token has not expired and the
	// cancellations that have not, the service clients and the Token
	// Status Lists that have not expired. A store that
	// can reads one consistent
	// snapshot; an error from fn stops the export and is returned.
	Export(ctx context.Context, now time.Time, fn func(Record) error) error
}

// ExportFunc adapts a function to Exporter (a dump file being read, say).
type ExportFunc func(ctx context.Context, now time.Time, fn func(Record) error) error

// Export implements Exporter.
func (f ExportFunc) Export(ctx context.Context, now time.Time, fn func(Record) error) error {
	return f(ctx, now, fn)
}

// ImportCounts says how many records of each kind Import wrote.
type ImportCounts struct {
	KeySets       int `json:"key_sets"`
	Accounts      int `json:"accounts"`
	Sessions      int `json:"sessions"`
	Cancellations int `json:"cancellations"`
	Clients       int `json:"clients"`
	StatusLists   int `json:"status_lists"`
}

// Import copies what src exports into dst, through dst's own methods, so
// that dst builds its indexes (and publishes the cancellations on its feed)
// exactly as if a server had written them. dst must be empty: a key set
// other than src's, or an account or session that exists already, is an
// EConflict error, because merging two deployments' users and keys would
// mix their tokens. Cancellations merge, so importing twice is harmless.
func Import(ctx context.Context, dst Store, src Exporter, now time.Time) (ImportCounts, error) {
	var n ImportCounts
	err := src.Export(ctx, now, func(r Record) error { return importRecord(ctx, dst, r, &n) })
	return n, err
}

func importRecord(ctx context.Context, dst Store, r Record, n *ImportCounts) error {
	switch {
	case r.KeySet != nil:
		n.KeySets++
		return importKeySet(ctx, dst, r.KeySet)
	case r.Account != nil:
		n.Accounts++
		return conflictSays(dst.CreateAccount(ctx, r.Account), "account "+r.Account.Username)
	case r.Session != nil:
		n.Sessions++
		return conflictSays(dst.CreateSession(ctx, r.Session), "session "+r.Session.ID)
	case r.Cancellation != nil:
		n.Cancellations++
		return dst.Cancel(ctx, *r.Cancellation)
	case r.Client != nil:
		n.Clients++
		return importClient(ctx, dst, r.Client)
	case r.StatusList != nil:
		n.StatusLists++
		return importStatusList(ctx, dst, r.StatusList)
	}
	return Errorf(EInvalid, "an empty record")
}

// importKeySet stores ks in dst, which must hold no key set or this one.
func importKeySet(ctx context.Context, dst KeyStore, ks *KeySet) error {
	stored, err := dst.InitKeySet(ctx, ks)
	if err != nil {
		return err
	}
	if !bytes.Equal(stored.RefreshKey, ks.RefreshKey) || len(stored.Keys) != len(ks.Keys) {
		return Errorf(EConflict, "the target store already holds other signing keys: import only into an empty store")
	}
	return nil
}

func conflictSays(err error, what string) error {
	if ErrorCode(err) == EConflict {
		return Wrap(EConflict, err, "the target store already holds "+what+": import only into an empty store")
	}
	return err
}

// importClient stores c in dst, which must keep service clients.
func importClient(ctx context.Context, dst Store, c *Client) error {
	cs, ok := dst.(ClientStore)
	if !ok {
		return Errorf(EInvalid, "the target store cannot keep service clients")
	}
	return conflictSays(cs.CreateClient(ctx, c), "client "+c.ID)
}

// importStatusList reserves the list's entries in dst, which must not hold
// the list yet, and sets the bits that are set in l.
func importStatusList(ctx context.Context, dst Store, l *StatusListRecord) error {
	ss, ok := dst.(StatusStore)
	if !ok {
		return Errorf(EInvalid, "the target store cannot keep Token Status Lists")
	}
	first, err := ss.ReserveStatusIndices(ctx, l.ID, l.Reserved, l.ExpiresAt)
	if err != nil {
		return err
	} else if first != 0 {
		return Errorf(EConflict, "the target store already holds status list %s: import only into an empty store", l.ID)
	}
	var refs []StatusRef
	for i := range uint64(len(l.Bits)) * 8 {
		if l.Bits[i/8]&(1<<(i%8)) != 0 {
			refs = append(refs, StatusRef{List: l.ID, Index: i, ExpiresAt: l.ExpiresAt})
		}
	}
	if len(refs) == 0 {
		return nil
	}
	return ss.InvalidateStatus(ctx, refs)
}
