package bolt

import (
	"context"
	"time"

	"go.etcd.io/bbolt"

	"github.com/tokenmanager/tokenmanager"
)

// Service clients live in their own bucket, created by the first client
// (a file written before clients existed has none, and reads as empty).
var bucketClients = []byte("clients") // client id -> client

var _ tokenmanager.ClientStore = (*Store)(nil)

// clientRecord is a Client as stored: unlike Client's JSON form (which the
// API shows), it keeps the secret's hash.
type clientRecord struct {
	ID         string    `json:"client_id"`
	SecretHash []byte    `json:"secret_hash"`
	Scopes     []string  `json:"scopes"`
	CreatedAt  time.Time `json:"created_at"`
}

// CreateClient stores a new client; a taken id is EConflict.
func (s *Store) CreateClient(ctx context.Context, c *tokenmanager.Client) error {
	v, err := encode(clientRecord{c.ID, c.SecretHash, c.Scopes, c.CreatedAt})
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketClients)
		if err != nil {
			return tokenmanager.Wrap(tokenmanager.EUnavailable, err, "cannot create the clients bucket")
		}
		if b.Get([]byte(c.ID)) != nil {
			return tokenmanager.Errorf(tokenmanager.EConflict, "the client %q exists", c.ID)
		}
		return put(b, []byte(c.ID), v)
	})
}

// Client returns the client with that id, or ENotFound.
func (s *Store) Client(ctx context.Context, id string) (*tokenmanager.Client, error) {
	var c *tokenmanager.Client
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var v []byte
		if b := tx.Bucket(bucketClients); b != nil {
			v = b.Get([]byte(id))
		}
		if v == nil {
			return tokenmanager.Errorf(tokenmanager.ENotFound, "no client %q", id)
		}
		var err error
		c, err = decodeClient(v)
		return err
	})
	return c, err
}

// Clients returns every client, ordered by id (bbolt's key order).
func (s *Store) Clients(ctx context.Context) ([]tokenmanager.Client, error) {
	var out []tokenmanager.Client
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketClients)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			c, err := decodeClient(v)
			if err == nil {
				out = append(out, *c)
			}
			return err
		})
	})
	return out, err
}

// DeleteClient removes a client; ENotFound when there is none.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketClients)
		if b == nil || b.Get([]byte(id)) == nil {
			return tokenmanager.Errorf(tokenmanager.ENotFound, "no client %q", id)
		}
		return del(b, []byte(id))
	})
}

func decodeClient(v []byte) (*tokenmanager.Client, error) {
	var r clientRecord
	if err := decode(v, &r); err != nil {
		return nil, err
	}
	return &tokenmanager.Client{ID: r.ID, SecretHash: r.SecretHash, Scopes: r.Scopes, CreatedAt: r.CreatedAt}, nil
}
