package jira

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/simulate/org"
)

// Changes made to the site while it serves: the generated org's history is
// fixed, so what a client deletes or moves is kept beside it, per issue, in
// an immutable record swapped atomically (handlers read it without a lock).
//
// Deleting an issue (DeleteIssue, or DELETE issue/{key} as on Jira Cloud)
// removes it for good: GET issue/{key} and its changelog answer 404, search
// no longer finds it, and its links are gone from the issues it was linked
// to, without a changelog entry there (Jira removes the links of a deleted
// issue that way, so their `updated` does not move). Moving an issue to
// another issue type of its project (MoveIssue) keeps its key and records
// the change in its changelog at the simulated present, which moves its
// `updated`; a query on its old type no longer finds it. (Moving an issue to
// another project gives it a new key; to a client listing the old project
// the old key is gone just as if the issue had been deleted.)

// Issue types an issue can be moved to, with their ids on the simulated site.
const (
	TypeStory = "Story"
	TypeBug   = "Bug"
)

var issueTypes = map[string]struct{ id, desc string }{
	TypePostmortem: {issueTypePostmortemID, "A blameless review of an incident."},
	TypeTask:       {issueTypeTaskID, "A small, distinct piece of work."},
	TypeStory:      {"10001", "Functionality or a feature expressed as a user goal."},
	TypeBug:        {"10004", "A problem which impairs or prevents the functions of a product."},
}

// changes is what clients changed of one issue.
type changes struct {
	deleted bool
	moves   []typeMove // in time order
}

// typeMove is a change of issue type at an instant.
type typeMove struct {
	at      time.Time
	to      string // the type's name
	history org.History
}

// ErrNoIssue is returned for an issue that does not exist as of the
// simulated present (never created, not yet created, or deleted).
var ErrNoIssue = errors.New("jira simulator: issue does not exist")

// firstChangeHistoryID numbers the changelog entries of moves, above the
// ids of the org's own histories.
const firstChangeHistoryID = 900_000_000

// DeleteIssue deletes the issue with the given key or id, as Jira Cloud's
// DELETE issue/{key} does; it returns ErrNoIssue (wrapped) when there is
// no such issue as of Now.
func (s *Server) DeleteIssue(idOrKey string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	is := s.lookup(idOrKey, s.now().UTC())
	if is == nil {
		return fmt.Errorf("%w: %s", ErrNoIssue, idOrKey)
	}
	c := is.changesNow()
	c.deleted = true
	is.changes.Store(&c)
	s.cache, s.changeGen = nil, s.changeGen+1
	s.logger.Info("issue deleted", "source", "jira-simulator", "key", is.key)
	return nil
}

// MoveIssue changes the issue type of an issue (TypeTask, TypePostmortem,
// TypeStory or TypeBug) as of Now, keeping its key, project and history,
// and records the change in its changelog as the authenticated user.
func (s *Server) MoveIssue(idOrKey, issueType string) error {
	typ, ok := issueTypes[issueType]
	if !ok {
		return fmt.Errorf("jira simulator: unknown issue type %q", issueType)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().UTC()
	is := s.lookup(idOrKey, now)
	if is == nil {
		return fmt.Errorf("%w: %s", ErrNoIssue, idOrKey)
	}
	fromID, from := is.issueType(now)
	if from == issueType {
		return nil
	}
	c := is.changesNow()
	if n := len(c.moves); n > 0 && now.Before(c.moves[n-1].at) {
		return fmt.Errorf("jira simulator: %s was moved at %s, after the simulated present", is.key, c.moves[n-1].at.Format(time.RFC3339))
	}
	s.nextChange++
	author := ""
	if s.me != nil {
		author = s.me.JiraAccountID
	}
	c.moves = append(slices.Clone(c.moves), typeMove{at: now, to: issueType, history: org.History{
		ID: strconv.FormatInt(firstChangeHistoryID+s.nextChange, 10), At: now, AuthorAccountID: author,
		Items: []org.ChangeItem{{Field: "issuetype", FieldType: "jira", FieldID: "issuetype",
			From: fromID, FromString: from, To: typ.id, ToString: issueType}},
	}})
	is.changes.Store(&c)
	s.cache, s.changeGen = nil, s.changeGen+1
	s.logger.Info("issue moved", "source", "jira-simulator", "key", is.key, "from", from, "to", issueType)
	return nil
}

// changesNow is a copy of the issue's changes, to modify and store.
func (is *issue) changesNow() changes {
	if c := is.changes.Load(); c != nil {
		return *c
	}
	return changes{}
}

// deleted reports whether the issue was deleted.
func (is *issue) deleted() bool {
	c := is.changes.Load()
	return c != nil && c.deleted
}

// issueType is the issue's type (id and name) as of t.
func (is *issue) issueType(t time.Time) (id, name string) {
	name = TypeTask
	if is.pm != nil {
		name = TypePostmortem
	}
	if c := is.changes.Load(); c != nil {
		for _, m := range c.moves {
			if !t.Before(m.at) {
				name = m.to
			}
		}
	}
	return issueTypes[name].id, name
}

// moveHistories are the changelog entries of the moves made by t.
func (is *issue) moveHistories(t time.Time) []org.History {
	c := is.changes.Load()
	if c == nil {
		return nil
	}
	var out []org.History
	for _, m := range c.moves {
		if !t.Before(m.at) {
			out = append(out, m.history)
		}
	}
	return out
}

// lastMove is when the latest move made by t happened (zero: none).
func (is *issue) lastMove(t time.Time) time.Time {
	var last time.Time
	if c := is.changes.Load(); c != nil {
		for _, m := range c.moves {
			if !t.Before(m.at) {
				last = m.at
			}
		}
	}
	return last
}

// withMoves merges the changelog entries of the moves made by t into hs
// (sorted by time), leaving hs itself alone.
func (is *issue) withMoves(hs []org.History, t time.Time) []org.History {
	ms := is.moveHistories(t)
	if len(ms) == 0 {
		return hs
	}
	out := append(slices.Clone(hs), ms...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// deleteIssue serves DELETE issue/{key}: 204 without a body, or 404.
func (d *dispatch) deleteIssue(r *http.Request, idOrKey string) (int, any) {
	if v := r.URL.Query().Get("deleteSubtasks"); v != "" && !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
		return http.StatusBadRequest, errorBody{ErrorMessages: []string{"The value '" + v + "' is invalid for deleteSubtasks."}, Errors: map[string]string{}}
	}
	if err := d.s.DeleteIssue(idOrKey); err != nil {
		return http.StatusNotFound, errorBody{ErrorMessages: []string{"Issue does not exist or you do not have permission to see it."}, Errors: map[string]string{}}
	}
	return http.StatusNoContent, nil
}
