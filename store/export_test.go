package store

// SetBeforeStatement installs a hook called before each migration statement.
func (s *Store) SetBeforeStatement(f func(version uint32, statement int)) { s.beforeStatement = f }
