package jira

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Site metadata (the user's time zone from /myself, the configured fields'
// existence from /field, the statuses' categories from /status) changes
// rarely, so it is cached, in memory and in the store's checkpoints (so a
// one-shot `aftermath ingest` benefits too), and refreshed when older than
// Options.MetadataRefresh. What is missing is fetched at once; of what is
// stale, only the stalest entry is refreshed per sync, so a sync that finds
// nothing new costs at most three requests: the two searches and one
// refresh.

// metaEntry is one cached piece of metadata as stored in a checkpoint.
type metaEntry struct {
	At    time.Time       `json:"at"`
	Value json.RawMessage `json:"value"`
}

// metaStatus is a status as cached: its id, name and category key.
type metaStatus struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Category string `json:"category"`
}

// metaItem describes one piece of metadata.
type metaItem struct {
	name  string // checkpoint name
	what  string // for errors and logs
	fetch func(ctx context.Context) (any, error)
	// valid says whether a cached value still fits the configuration.
	valid func(raw json.RawMessage) bool
	apply func(raw json.RawMessage) error
}

func (in *Ingester) metaItems() []metaItem {
	var items []metaItem
	if in.opts.TimeZone == "" {
		items = append(items, metaItem{
			name: "meta.time_zone", what: "user time zone (/myself)",
			fetch: in.fetchTimeZone,
			valid: func(json.RawMessage) bool { return true },
			apply: func(raw json.RawMessage) error {
				var name string
				if err := json.Unmarshal(raw, &name); err != nil {
					return err
				}
				loc, err := time.LoadLocation(name)
				if err != nil {
					return fmt.Errorf("the user's time zone %q: %w", name, err)
				}
				in.loc = loc
				return nil
			},
		})
	}
	items = append(items,
		metaItem{
			name: "meta.fields", what: "configured fields (/field)",
			fetch: in.fetchFields,
			// Valid only for the fields configured now.
			valid: func(raw json.RawMessage) bool {
				var ids []string
				return json.Unmarshal(raw, &ids) == nil && slices.Equal(ids, in.fieldIDs())
			},
			apply: func(json.RawMessage) error { return nil },
		},
		metaItem{
			name: "meta.statuses", what: "statuses (/status)",
			fetch: in.fetchStatuses,
			valid: func(json.RawMessage) bool { return true },
			apply: func(raw json.RawMessage) error {
				var sts []metaStatus
				if err := json.Unmarshal(raw, &sts); err != nil {
					return err
				}
				cat := make(map[string]string, 2*len(sts))
				for _, s := range sts {
					cat[s.ID] = s.Category
					cat["name:"+strings.ToLower(s.Name)] = s.Category
				}
				in.statusCategory = cat
				return nil
			},
		},
	)
	return items
}

// prepare makes sure the time zone, the statuses' categories and the check
// of the configured fields are known and fresh enough; see above.
func (in *Ingester) prepare(ctx context.Context) error {
	now := in.opts.Now().UTC()
	if in.meta == nil {
		in.meta = map[string]metaEntry{}
		in.metaTried = map[string]time.Time{}
	}
	items := in.metaItems()
	var missing, stale []metaItem
	for _, it := range items {
		e, ok := in.meta[it.name]
		if !ok {
			var err error
			if e, ok, err = in.loadMeta(ctx, it); err != nil {
				return err
			}
		}
		if ok && it.valid(e.Value) && it.apply(e.Value) == nil {
			in.meta[it.name] = e
			if age := now.Sub(e.At); age >= in.opts.MetadataRefresh || age < 0 {
				stale = append(stale, it)
			}
			continue
		}
		delete(in.meta, it.name)
		missing = append(missing, it)
	}
	for _, it := range missing {
		if err := in.refreshMeta(ctx, it, now); err != nil {
			return err
		}
	}
	if len(missing) > 0 || len(stale) == 0 {
		return nil
	}
	// One refresh per sync: the stalest, counting a failed try as fresh
	// (so one endpoint that keeps failing does not starve the others).
	tried := func(it metaItem) time.Time {
		at := in.meta[it.name].At
		if t := in.metaTried[it.name]; t.After(at) {
			return t
		}
		return at
	}
	it := slices.MinFunc(stale, func(a, b metaItem) int { return tried(a).Compare(tried(b)) })
	err := in.refreshMeta(ctx, it, now)
	if err != nil {
		in.metaTried[it.name] = now
	}
	var cfg *configError
	switch {
	case err == nil:
	case ctx.Err() != nil, errors.As(err, &cfg):
		return err
	default:
		// The cached value still serves; the next sync tries again.
		in.log.Warn("could not refresh jira metadata; using the cached value", "what", it.what,
			"age", now.Sub(in.meta[it.name].At).Round(time.Second), "err", err)
	}
	return nil
}

// loadMeta reads a cached entry from the store.
func (in *Ingester) loadMeta(ctx context.Context, it metaItem) (metaEntry, bool, error) {
	v, ok, err := in.run.Checkpoint(ctx, it.name)
	if err != nil {
		return metaEntry{}, false, fmt.Errorf("jira: read cached %s: %w", it.what, err)
	}
	if !ok {
		return metaEntry{}, false, nil
	}
	var e metaEntry
	if err := json.Unmarshal([]byte(v), &e); err != nil || e.At.IsZero() || len(e.Value) == 0 {
		in.log.Warn("ignoring an unreadable cached jira metadata entry", "what", it.what)
		return metaEntry{}, false, nil
	}
	return e, true, nil
}

// refreshMeta fetches an entry, applies it and stores it.
func (in *Ingester) refreshMeta(ctx context.Context, it metaItem, now time.Time) error {
	v, err := it.fetch(ctx)
	if err != nil {
		return fmt.Errorf("jira: %w", err)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("jira: encode %s: %w", it.what, err)
	}
	if err := it.apply(raw); err != nil {
		return fmt.Errorf("jira: %s: %w", it.what, err)
	}
	e := metaEntry{At: now, Value: raw}
	in.meta[it.name] = e
	buf, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("jira: encode %s: %w", it.what, err)
	}
	if err := in.run.SetCheckpoint(ctx, it.name, string(buf)); err != nil {
		return fmt.Errorf("jira: cache %s: %w", it.what, err)
	}
	return nil
}

// configError is a configuration the site contradicts (a configured field
// it does not have): a refresh that finds one fails the sync.
type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

func (in *Ingester) fetchTimeZone(ctx context.Context) (any, error) {
	var me apiUser
	if err := in.getJSON(ctx, "myself", nil, &me); err != nil {
		return nil, fmt.Errorf("read the user's time zone (/myself): %w", err)
	}
	name := me.TimeZone
	if name == "" {
		in.log.Warn("jira user has no time zone; using UTC for JQL dates")
		name = "UTC"
	}
	if _, err := time.LoadLocation(name); err != nil {
		return nil, fmt.Errorf("the user's time zone %q: %w", name, err)
	}
	in.log.Info("jira user time zone", "time_zone", name)
	return name, nil
}

// fieldIDs lists the configured field ids, sorted.
func (in *Ingester) fieldIDs() []string {
	var ids []string
	for _, c := range in.configuredFields() {
		if c.id != "" && !slices.Contains(ids, c.id) {
			ids = append(ids, c.id)
		}
	}
	slices.Sort(ids)
	return ids
}

func (in *Ingester) configuredFields() []struct{ what, id string } {
	f := in.opts.Fields
	return []struct{ what, id string }{
		{"due date", f.DueDate}, {"severity", f.Severity}, {"team", f.Team.Field}, {"incident link", f.IncidentLink.Field},
	}
}

// fetchFields checks that the configured fields exist; the cached value
// is the list of fields checked.
func (in *Ingester) fetchFields(ctx context.Context) (any, error) {
	var fields []apiNamed
	if err := in.getJSON(ctx, "field", nil, &fields); err != nil {
		return nil, fmt.Errorf("list fields: %w", err)
	}
	have := map[string]bool{}
	for _, f := range fields {
		have[f.ID] = true
	}
	for _, c := range in.configuredFields() {
		if c.id != "" && !have[c.id] {
			return nil, &configError{fmt.Sprintf("the configured %s field %q does not exist on this site", c.what, c.id)}
		}
	}
	return in.fieldIDs(), nil
}

func (in *Ingester) fetchStatuses(ctx context.Context) (any, error) {
	var statuses []apiStatus
	if err := in.getJSON(ctx, "status", nil, &statuses); err != nil {
		return nil, fmt.Errorf("list statuses: %w", err)
	}
	out := make([]metaStatus, 0, len(statuses))
	for _, s := range statuses {
		out = append(out, metaStatus{ID: s.ID, Name: s.Name, Category: s.StatusCategory.Key})
	}
	return out, nil
}
