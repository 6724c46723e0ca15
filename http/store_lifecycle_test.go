package http_test

import (
	"context"

	"github.com/tokenmanager/tokenmanager"
)

func (m *memStore) UpdateAccount(_ context.Context, username string, fn func(*tokenmanager.Account) error) (*tokenmanager.Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.accounts[username]
	if !ok {
		return nil, tokenmanager.Errorf(tokenmanager.ENotFound, "no such account")
	}
	if err := fn(&a); err != nil {
		return nil, err
	}
	a.Username = username
	m.accounts[username] = a
	return &a, nil
}

func (m *memStore) DeleteAccount(_ context.Context, username string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.accounts, username)
	return nil
}
