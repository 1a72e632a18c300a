package store

// SetBeforeStatement installs a hook called before each migration statement.
func (s *Store) SetBeforeStatement(f func(version uint32, statement int)) { s.beforeStatement = f }

// SetBeforeRebuildStep installs a hook called before each statement of a
// table rebuild.
func (s *Store) SetBeforeRebuildStep(f func(table, statement string)) { s.beforeRebuildStep = f }
