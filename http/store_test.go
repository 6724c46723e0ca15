package http_test

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/tokenmanager/tokenmanager"
)

// memStore is a minimal in-memory tokenmanager.Store for the tests and
// examples of this package: the HTTP layer is tested on its own, and the
// stores have their own suite (storetest).
type memStore struct {
	mu       sync.Mutex
	accounts map[string]tokenmanager.Account
	sessions map[string]tokenmanager.Session
	cancels  map[string]tokenmanager.Cancellation
	keys     *tokenmanager.KeySet
}

var _ tokenmanager.Store = (*memStore)(nil)

func newMemStore() *memStore {
	return &memStore{
		accounts: map[string]tokenmanager.Account{},
		sessions: map[string]tokenmanager.Session{},
		cancels:  map[string]tokenmanager.Cancellation{},
	}
}

func (m *memStore) CreateAccount(_ context.Context, a *tokenmanager.Account) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.accounts[a.Username]; ok {
		return tokenmanager.Errorf(tokenmanager.EConflict, "username is taken")
	}
	m.accounts[a.Username] = *a
	return nil
}

func (m *memStore) Account(_ context.Context, username string) (*tokenmanager.Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.accounts[username]
	if !ok {
		return nil, tokenmanager.Errorf(tokenmanager.ENotFound, "no such account")
	}
	return &a, nil
}

func (m *memStore) CreateSession(_ context.Context, s *tokenmanager.Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[s.ID] = *s
	return nil
}

func (m *memStore) Session(_ context.Context, id string) (*tokenmanager.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return nil, tokenmanager.Errorf(tokenmanager.ENotFound, "no such session")
	}
	return &s, nil
}

func (m *memStore) UpdateSession(_ context.Context, id string, fn func(*tokenmanager.Session) error) (*tokenmanager.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok {
		return nil, tokenmanager.Errorf(tokenmanager.ENotFound, "no such session")
	}
	if err := fn(&s); err != nil {
		return nil, err
	}
	m.sessions[id] = s
	return &s, nil
}

func (m *memStore) DeleteSession(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, id)
	return nil
}

func (m *memStore) Sessions(_ context.Context, subject string) ([]*tokenmanager.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*tokenmanager.Session
	for _, s := range m.sessions {
		if s.Subject == subject {
			out = append(out, &s)
		}
	}
	slices.SortFunc(out, func(a, b *tokenmanager.Session) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

func (m *memStore) Cancel(_ context.Context, c tokenmanager.Cancellation) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.cancels[c.Key()]; ok {
		c = old.Merge(c)
	}
	m.cancels[c.Key()] = c
	return nil
}

func (m *memStore) Cancellations(_ context.Context, now time.Time) ([]tokenmanager.Cancellation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []tokenmanager.Cancellation
	for _, c := range m.cancels {
		if !c.Expired(now) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (m *memStore) IsCancelled(_ context.Context, c *tokenmanager.Claims) (bool, error) {
	set := tokenmanager.NewCancelledSet()
	m.mu.Lock()
	for _, e := range m.cancels {
		set.Add(e)
	}
	m.mu.Unlock()
	_, cancelled := set.Check(c)
	return cancelled, nil
}

func (m *memStore) Sweep(_ context.Context, now time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for k, c := range m.cancels {
		if c.Expired(now) {
			delete(m.cancels, k)
			n++
		}
	}
	return n, nil
}

func (m *memStore) KeySet(context.Context) (*tokenmanager.KeySet, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.keys == nil {
		return nil, tokenmanager.Errorf(tokenmanager.ENotFound, "no key set")
	}
	return m.keys, nil
}

func (m *memStore) InitKeySet(_ context.Context, ks *tokenmanager.KeySet) (*tokenmanager.KeySet, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.keys == nil {
		m.keys = ks
	}
	return m.keys, nil
}

func (m *memStore) Ping(context.Context) error { return nil }
func (m *memStore) Close() error               { return nil }
