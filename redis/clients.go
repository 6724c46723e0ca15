package redis

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"time"

	goredis "github.com/redis/go-redis/v9"

	tm "github.com/tokenmanager/tokenmanager"
)

// Service clients are the fields of one hash (client id -> record): few
// of them, listed whole, and one key keeps them on one Cluster node.

var _ tm.ClientStore = (*Store)(nil)

// clientsKey is the hash of every service client.
func (k keys) clients() string { return k.p + ":clients" }

// clientRecord is a Client as stored: unlike Client's JSON form (which the
// API shows), it keeps the secret's hash.
type clientRecord struct {
	ID         string    `json:"client_id"`
	SecretHash []byte    `json:"secret_hash"`
	Scopes     []string  `json:"scopes"`
	CreatedAt  time.Time `json:"created_at"`
}

// CreateClient stores a new client with HSETNX, so that of two adds of
// one name exactly one wins.
func (s *Store) CreateClient(ctx context.Context, c *tm.Client) error {
	data, err := json.Marshal(clientRecord{c.ID, c.SecretHash, c.Scopes, c.CreatedAt})
	if err != nil {
		return corrupt(err, "client")
	}
	ok, err := s.rdb.HSetNX(ctx, s.k.clients(), c.ID, data).Result()
	if err != nil {
		return unavailable(err, "cannot store the client")
	} else if !ok {
		return tm.Errorf(tm.EConflict, "the client %q exists", c.ID)
	}
	return nil
}

// Client returns the client with that id, or ENotFound.
func (s *Store) Client(ctx context.Context, id string) (*tm.Client, error) {
	data, err := s.rdb.HGet(ctx, s.k.clients(), id).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, tm.Errorf(tm.ENotFound, "no client %q", id)
	} else if err != nil {
		return nil, unavailable(err, "cannot read the client")
	}
	return decodeClient(data)
}

// Clients returns every client, ordered by id.
func (s *Store) Clients(ctx context.Context) ([]tm.Client, error) {
	all, err := s.rdb.HGetAll(ctx, s.k.clients()).Result()
	if err != nil {
		return nil, unavailable(err, "cannot read the clients")
	}
	out := make([]tm.Client, 0, len(all))
	for _, v := range all {
		c, err := decodeClient([]byte(v))
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// DeleteClient removes a client; ENotFound when there is none.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	n, err := s.rdb.HDel(ctx, s.k.clients(), id).Result()
	if err != nil {
		return unavailable(err, "cannot delete the client")
	} else if n == 0 {
		return tm.Errorf(tm.ENotFound, "no client %q", id)
	}
	return nil
}

func decodeClient(data []byte) (*tm.Client, error) {
	var r clientRecord
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, corrupt(err, "client")
	}
	return &tm.Client{ID: r.ID, SecretHash: r.SecretHash, Scopes: r.Scopes, CreatedAt: r.CreatedAt}, nil
}
