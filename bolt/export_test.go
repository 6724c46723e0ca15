package bolt

// GroupStats returns the commits of grouped writes and the writes in them.
func GroupStats(s *Store) (commits, writes int64) {
	return s.group.commits.Load(), s.group.writes.Load()
}
