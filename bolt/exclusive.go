package bolt

// Exclusive reports true: bbolt locks its file, so no other process writes
// the store while this one has it open, and a replica of it needs no
// change feed (service.Open checks this).
func (s *Store) Exclusive() bool { return true }
