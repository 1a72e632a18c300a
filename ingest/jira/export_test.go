package jira

// SetRestoreBatch sets how many keys one search of the reconciliation's
// restore names.
func (in *Ingester) SetRestoreBatch(n int) { in.restoreBatch = n }
