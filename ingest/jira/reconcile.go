package jira

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Reconciliation. An incremental sync asks Jira for the issues updated since
// its checkpoint; an issue deleted in Jira, or moved out of the configured
// scope (to another project or issue type, or otherwise out of the JQL), is
// never among them, so its rows would stay in the store, counted by every
// analysis (an overdue action item that no longer exists keeps its alert).
//
// So at the first sync of an ingester, and then once Options.ReconcileInterval
// has passed, the sync lists every key in scope, with the JQL it syncs with
// and only the key field, and compares it with the keys stored, postmortems
// and action items apart. A key that is stored but not listed is listed
// again before anything is removed: a removal needs two listings that both
// lack the key, so an issue a listing skipped (one that shifted between
// pages while the listing ran) is not taken for a deleted one. (A backfill
// lists every issue of its kind; that listing stands in for the first one.)
// The rows of the keys missing from both, postmortems with their
// contributing factors, action items with their transitions, and their raw
// documents, are then removed, each key logged at INFO.
//
// A permission change or an edit of the JQL looks to the listing exactly
// like a mass deletion. A reconciliation that would remove, of either kind,
// more than reconcileMaxKeys keys and more than Options.ReconcileMaxShare of what is
// stored removes nothing and logs an error with the counts; it is tried
// again at the next interval (or at the next start). A listing that fails,
// or a context cancelled before the removal, leaves the store as it was,
// and the next sync tries again.

// DefaultReconcileInterval is how often at most, by default, a sync
// reconciles the store with Jira (besides the first sync of an ingester).
const DefaultReconcileInterval = 24 * time.Hour

// DefaultReconcileMaxShare is the default Options.ReconcileMaxShare.
const DefaultReconcileMaxShare = 0.10

const (
	// reconcileMaxKeys and Options.ReconcileMaxShare bound one
	// reconciliation's removals of one kind of issue: more than both is
	// refused.
	reconcileMaxKeys = 20
	// keyPageSize is the page size asked for when listing keys: Jira Cloud
	// serves the most issues per page when only the key or id is asked for
	// (up to 5,000), and may serve fewer than asked.
	keyPageSize = 1000
)

// scope is one kind of issue and the JQL that selects it.
type scope struct{ kind, jql string }

// scopes are the kinds of issue synced, in sync order.
func (in *Ingester) scopes() []scope {
	return []scope{{kindPostmortem, in.opts.PostmortemJQL}, {kindActionItem, in.opts.ActionItemJQL}}
}

// reconcileDue reports whether the sync at now reconciles: the first one of
// this ingester, then one each ReconcileInterval.
func (in *Ingester) reconcileDue(now time.Time) bool {
	if in.opts.ReconcileInterval < 0 {
		return false
	}
	return in.lastReconcile.IsZero() || !now.Before(in.lastReconcile.Add(in.opts.ReconcileInterval))
}

// removal is what a reconciliation removes of one kind.
type removal struct {
	scope
	stored int
	gone   []string // stored keys Jira does not list, sorted
}

// reconcile removes from the store the issues of each kind that Jira no
// longer lists in scope. listed holds the keys a backfill of this sync
// listed, by kind; a kind without them is listed here.
func (in *Ingester) reconcile(ctx context.Context, listed map[string]map[string]bool) error {
	began := in.opts.Now()
	var plan []removal
	for _, sc := range in.scopes() {
		stored, err := in.storedKeys(ctx, sc.kind)
		if err != nil {
			return fmt.Errorf("jira: reconcile: %w", err)
		}
		if len(stored) == 0 {
			continue
		}
		keys := listed[sc.kind]
		if keys == nil {
			if keys, err = in.listKeys(ctx, sc); err != nil {
				return err
			}
		}
		r := removal{scope: sc, stored: len(stored)}
		for _, k := range stored {
			if !keys[k] {
				r.gone = append(r.gone, k)
			}
		}
		plan = append(plan, r)
	}

	refused := false
	for _, r := range plan {
		if tooMany(len(r.gone), r.stored, in.opts.ReconcileMaxShare) {
			in.log.Error("Jira no longer lists more than a safe share of the stored issues; removing none of them: check the JQL and the account's access (a permission change or a JQL edit looks like a mass deletion)",
				"kind", r.kind, "stored", r.stored, "missing", len(r.gone),
				"limit_keys", reconcileMaxKeys, "limit_share", in.opts.ReconcileMaxShare)
			refused = true
		}
	}
	if refused {
		in.metrics.refused.Set(1)
		return nil
	}
	in.metrics.refused.Set(0)

	// A second look: only what both listings lack is gone.
	total := 0
	for i := range plan {
		r := &plan[i]
		if len(r.gone) == 0 {
			continue
		}
		again, err := in.listKeys(ctx, r.scope)
		if err != nil {
			return err
		}
		r.gone = slices.DeleteFunc(r.gone, func(k string) bool { return again[k] })
		total += len(r.gone)
	}
	if total == 0 {
		in.log.Debug("reconciled with Jira: nothing to remove", "took", in.opts.Now().Sub(began))
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("jira: reconcile: nothing removed: %w", err)
	}

	removed := map[string]int{}
	for _, r := range plan {
		if len(r.gone) == 0 {
			continue
		}
		for _, k := range r.gone {
			in.log.Info("removing an issue Jira no longer lists in scope (deleted, or moved out of the JQL)", "kind", r.kind, "key", k)
		}
		if err := in.remove(ctx, r.kind, r.gone); err != nil {
			return fmt.Errorf("jira: reconcile: remove %d %ss: %w", len(r.gone), r.kind, err)
		}
		removed[r.kind] = len(r.gone)
		in.metrics.removed.WithLabelValues(r.kind).Add(float64(len(r.gone)))
	}
	in.log.Info("reconciled with Jira", "postmortems_removed", removed[kindPostmortem],
		"action_items_removed", removed[kindActionItem], "took", in.opts.Now().Sub(began))
	return nil
}

// tooMany reports whether removing n of stored keys at once is more than a
// reconciliation may do.
func tooMany(n, stored int, maxShare float64) bool {
	return n > reconcileMaxKeys && float64(n) > maxShare*float64(stored)
}

func (in *Ingester) storedKeys(ctx context.Context, kind string) ([]string, error) {
	if kind == kindPostmortem {
		return in.st.PostmortemKeys(ctx)
	}
	return in.st.ActionItemKeys(ctx)
}

// remove deletes the issues' raw documents, then their rows: when it fails
// half-way, the rows are still stored and the next reconciliation removes
// them again.
func (in *Ingester) remove(ctx context.Context, kind string, keys []string) error {
	if err := in.st.DeleteRawDocuments(ctx, sourceName, keys); err != nil {
		return err
	}
	if kind == kindPostmortem {
		return in.st.DeletePostmortems(ctx, keys)
	}
	return in.st.DeleteActionItems(ctx, keys)
}

// listKeys lists the key of every issue of the scope's JQL, in key order
// (which an edit of an issue does not change, unlike updated).
func (in *Ingester) listKeys(ctx context.Context, sc scope) (map[string]bool, error) {
	q := searchQuery{what: "reconcile: search " + sc.kind + " keys", jql: keysJQL(sc.jql), fields: []string{"key"}, pageSize: keyPageSize}
	in.log.Debug("list keys", "kind", sc.kind, "jql", q.jql)
	keys := map[string]bool{}
	err := in.pages(ctx, q, func(page int, p searchPage, _ bool) error {
		for _, raw := range p.Issues {
			key, id := issueIdentity(raw)
			if key == "" {
				return fmt.Errorf("jira: %s page %d: an issue without a key (id %q)", q.what, page, id)
			}
			keys[key] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return keys, nil
}

// keysJQL is the query of a key listing: the configured JQL (its own ORDER
// BY removed) ordered by key.
func keysJQL(base string) string {
	return strings.TrimSpace(stripOrderBy(base)) + " ORDER BY key ASC"
}
