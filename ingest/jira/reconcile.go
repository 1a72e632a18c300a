package jira

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Reconciliation. An incremental sync asks Jira for the issues updated since
// its checkpoint. An issue deleted in Jira, or moved out of the configured
// scope (to another project or issue type, or otherwise out of the JQL), is
// never among them, so its rows would stay in the store, counted by every
// analysis (an overdue action item that no longer exists keeps its alert).
// Nor is an issue that comes into scope without being updated: one that a
// narrower JQL, or a permission change, had removed, and the older issues of
// a widened JQL (a project added); the store would lack them for good.
//
// So at the first sync of an ingester, and then once Options.ReconcileInterval
// has passed, the sync lists every key in scope, with the JQL it syncs with
// and only the key field, and compares it with the keys stored, postmortems
// and action items apart, both ways.
//
// A key that is stored but not listed is listed again before anything is
// removed: a removal needs two listings that both lack the key, so an issue
// a listing skipped (one that shifted between pages while the listing ran)
// is not taken for a deleted one. (A backfill lists every issue of its kind;
// that listing stands in for the first one.) The rows of the keys missing
// from both, postmortems with their contributing factors, action items with
// their transitions, and their raw documents, are then removed, each key
// logged at INFO.
//
// A permission change or an edit of the JQL looks to the listing exactly
// like a mass deletion. A reconciliation that would remove, of either kind,
// more than reconcileMaxKeys keys and more than Options.ReconcileMaxShare of what is
// stored removes nothing and logs an error with the counts; it is tried
// again at the next interval (or at the next start). A listing that fails,
// or a context cancelled before the removal, leaves the store as it was,
// and the next sync tries again.
//
// A key that is listed but not stored (and that this sync did not skip
// already) is fetched and stored: searches of the scope's JQL restricted to
// restoreBatchKeys keys at a time, with the fields and changelog of a sync
// and through the same mapping, so the rows are those a full sync would
// store. Adding what Jira lists is safe, so it needs no second listing and
// no bound: it is done even when the removals are refused, and the search
// itself checks that each issue is still in scope. An issue gone since the
// listing is simply not served. The checkpoints stay as they are.

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
	// restoreBatchKeys is how many keys one search of the issues to restore
	// names: the JQL (a GET query string) stays a few KiB long, and each
	// batch is stored before the next is fetched.
	restoreBatchKeys = 100
)

// scope is one kind of issue and the JQL that selects it.
type scope struct{ kind, jql string }

// scopes are the kinds of issue synced, in sync order.
func (in *Ingester) scopes() []scope {
	return []scope{{kindPostmortem, in.opts.PostmortemJQL}, {kindActionItem, in.opts.ActionItemJQL}}
}

// reconcileDue reports whether the sync at now reconciles: the first one of
// this ingester, then one each ReconcileInterval; after a refused removal,
// every sync, so that the refusal (its gauge and alert) clears as soon as
// the JQL or the account's access is fixed, or the removal is let through.
func (in *Ingester) reconcileDue(now time.Time) bool {
	if in.opts.ReconcileInterval < 0 {
		return false
	}
	return in.lastReconcile.IsZero() || in.refused || !now.Before(in.lastReconcile.Add(in.opts.ReconcileInterval))
}

// difference is what the store and a listing of one kind disagree on.
type difference struct {
	scope
	stored  int
	gone    []string // stored keys Jira does not list, sorted
	missing []string // listed keys not stored, sorted
}

// reconcile removes from the store the issues of each kind that Jira no
// longer lists in scope, and stores those it lists that are not stored.
// listed holds the keys a backfill of this sync listed, by kind; a kind
// without them is listed here.
func (in *Ingester) reconcile(ctx context.Context, listed map[string]map[string]bool) error {
	began := in.opts.Now()
	var plan []difference
	for _, sc := range in.scopes() {
		stored, err := in.storedKeys(ctx, sc.kind)
		if err != nil {
			return fmt.Errorf("jira: reconcile: %w", err)
		}
		keys := listed[sc.kind]
		if keys == nil {
			if keys, err = in.listKeys(ctx, sc); err != nil {
				return err
			}
		}
		d := difference{scope: sc, stored: len(stored)}
		have := make(map[string]bool, len(stored))
		for _, k := range stored {
			have[k] = true
			if !keys[k] {
				d.gone = append(d.gone, k)
			}
		}
		for k := range keys {
			// An issue this sync skipped (it does not map) would only be
			// skipped again.
			if !have[k] && !in.skippedKeys[k] {
				d.missing = append(d.missing, k)
			}
		}
		slices.Sort(d.missing)
		plan = append(plan, d)
	}

	removed, err := in.removeGone(ctx, plan)
	if err != nil {
		return err
	}
	restored := map[string]int{}
	for _, d := range plan {
		if len(d.missing) == 0 {
			continue
		}
		n, err := in.restore(ctx, d.scope, d.missing)
		in.metrics.restored.WithLabelValues(d.kind).Add(float64(n))
		restored[d.kind] = n
		in.log.Info("restored issues Jira lists in scope that were not stored (removed earlier, or brought into scope by a JQL or access change)",
			"kind", d.kind, "restored", n, "listed_not_stored", len(d.missing))
		if err != nil {
			return err
		}
	}
	if len(removed)+len(restored) == 0 {
		in.log.Debug("reconciled with Jira: nothing to remove or restore", "took", in.opts.Now().Sub(began))
		return nil
	}
	in.log.Info("reconciled with Jira", "postmortems_removed", removed[kindPostmortem],
		"action_items_removed", removed[kindActionItem], "postmortems_restored", restored[kindPostmortem],
		"action_items_restored", restored[kindActionItem], "took", in.opts.Now().Sub(began))
	return nil
}

// removeGone removes, once a second listing confirms it and within the
// bounds, the stored issues of each kind that Jira does not list; it
// returns how many it removed, by kind (none: nil).
func (in *Ingester) removeGone(ctx context.Context, plan []difference) (map[string]int, error) {
	refused := false
	for _, d := range plan {
		if tooMany(len(d.gone), d.stored, in.opts.ReconcileMaxShare) {
			in.log.Error("Jira no longer lists more than a safe share of the stored issues; removing none of them: check the JQL and the account's access (a permission change or a JQL edit looks like a mass deletion)",
				"kind", d.kind, "stored", d.stored, "missing", len(d.gone),
				"limit_keys", reconcileMaxKeys, "limit_share", in.opts.ReconcileMaxShare)
			refused = true
		}
	}
	in.refused = refused
	if refused {
		in.metrics.refused.Set(1)
		return nil, nil
	}
	in.metrics.refused.Set(0)

	// A second look: only what both listings lack is gone.
	total := 0
	gone := make([][]string, len(plan))
	for i, d := range plan {
		if len(d.gone) == 0 {
			continue
		}
		again, err := in.listKeys(ctx, d.scope)
		if err != nil {
			return nil, err
		}
		gone[i] = slices.DeleteFunc(slices.Clone(d.gone), func(k string) bool { return again[k] })
		total += len(gone[i])
	}
	if total == 0 {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("jira: reconcile: nothing removed: %w", err)
	}

	removed := map[string]int{}
	for i, d := range plan {
		keys := gone[i]
		if len(keys) == 0 {
			continue
		}
		for _, k := range keys {
			in.log.Info("removing an issue Jira no longer lists in scope (deleted, or moved out of the JQL)", "kind", d.kind, "key", k)
		}
		if err := in.remove(ctx, d.kind, keys); err != nil {
			return nil, fmt.Errorf("jira: reconcile: remove %d %ss: %w", len(keys), d.kind, err)
		}
		removed[d.kind] = len(keys)
		in.metrics.removed.WithLabelValues(d.kind).Add(float64(len(keys)))
	}
	return removed, nil
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

// restore fetches the issues of the scope with the given keys, a batch of
// keys at a time, as a sync does (its fields, the changelog, completed
// when truncated), and stores each batch before fetching the next. It
// returns how many issues it stored, also when it fails part-way (what
// it stored stays; the next reconciliation fetches the rest).
func (in *Ingester) restore(ctx context.Context, sc scope, keys []string) (int, error) {
	for _, k := range keys {
		in.log.Debug("restoring an issue Jira lists in scope that is not stored", "kind", sc.kind, "key", k)
	}
	n := 0
	for start := 0; start < len(keys); start += in.restoreBatch {
		chunk := keys[start:min(start+in.restoreBatch, len(keys))]
		q := searchQuery{what: "reconcile: search " + sc.kind + "s to restore", jql: restoreJQL(sc.jql, chunk),
			fields: in.fields, expand: "changelog", pageSize: in.opts.PageSize}
		b := &batch{}
		err := in.pages(ctx, q, func(page int, p searchPage, _ bool) error {
			if err := in.mapPage(ctx, sc.kind, p, b); err != nil {
				return fmt.Errorf("jira: %s page %d: %w", q.what, page, err)
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		if b.issues == 0 {
			continue
		}
		if err := in.store(ctx, b); err != nil {
			return n, fmt.Errorf("jira: %s (%d keys, the first %s): %w", q.what, len(chunk), chunk[0], err)
		}
		n += b.issues
	}
	return n, nil
}

// restoreJQL is the query of a restoring search: the configured JQL (its
// own ORDER BY removed) restricted to the given keys, ordered by key.
func restoreJQL(base string, keys []string) string {
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = jqlString(k)
	}
	q := strings.TrimSpace(stripOrderBy(base))
	cond := "key IN (" + strings.Join(quoted, ", ") + ")"
	if q == "" {
		q = cond
	} else {
		q = "(" + q + ") AND " + cond
	}
	return q + " ORDER BY key ASC"
}

// jqlString quotes s as a JQL string value.
func jqlString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
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
