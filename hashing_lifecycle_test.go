package tokenmanager

import "context"

func (s *mapAccounts) UpdateAccount(_ context.Context, name string, fn func(*Account) error) (*Account, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.m[name]
	if !ok {
		return nil, Errorf(ENotFound, "no account")
	}
	if err := fn(&a); err != nil {
		return nil, err
	}
	a.Username = name
	s.m[name] = a
	return &a, nil
}

func (s *mapAccounts) DeleteAccount(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, name)
	return nil
}
