// Package jira ingests postmortems and their action items from Jira Cloud
// into the store.
//
// It pages through GET /rest/api/{2,3}/search/jql with go-jira v1.17's
// SearchV2JQLWithContext (nextPageToken paging; the old /search endpoint is
// gone) over the shared ingest/httpx transport (request budget, retries of
// 429/5xx/timeouts, cancellation, metrics). Sync is incremental by `updated`
// with an overlap; the JQL date bound is written in the Jira user's own time
// zone (from /myself, or configured), since Jira reads it that way.
// Changelogs that search truncates (Jira embeds at most 100 histories) are
// completed from the changelog endpoint. Descriptions are parsed with package
// postmortem (wiki markup for v2, ADF for v3, Markdown too). Checkpoints
// advance only after the rows they cover are stored, page by page, so an
// interrupted sync resumes without gaps. An incremental sync cannot see an
// issue deleted in Jira or moved out of the configured scope, so from time to
// time a sync lists every key in scope, removes from the store the issues
// no longer there and fetches those in scope that are not stored (an issue
// removed earlier, or the older issues of a widened JQL; reconcile.go).
//
// The package speaks Jira (issues, changelogs, fields); it translates to
// package domain's facts (postmortems, contributing factors, action items,
// transitions) in mapping.go, and again from the stored raw issues in
// reextract.go. It runs through the shared ingest.Loop.
package jira

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	gojira "github.com/andygrunwald/go-jira"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/aftermath-sre/aftermath/domain"
	"github.com/aftermath-sre/aftermath/ingest"
	"github.com/aftermath-sre/aftermath/ingest/httpx"
	catalog "github.com/aftermath-sre/aftermath/metrics"
)

// Source is the source name in the store, in metrics and in logs: the
// metrics catalogue's, which names the source's families after it.
const Source = string(catalog.SourceJira)

const sourceName = Source

// Issue kinds, also the checkpoint names' prefixes.
const (
	kindPostmortem = "postmortem"
	kindActionItem = "action_item"
)

// Where teams come from (Options.Fields.Team.From).
const (
	TeamFromComponent = "component"
	TeamFromLabel     = "label"
	TeamFromField     = "field"
)

// How postmortems name their incidents (Options.Fields.IncidentLink.Mode).
const (
	LinkByLabel       = "label"
	LinkByField       = "field"
	LinkByDescription = "description"
)

// Store is what the ingester needs of the store: what every source needs
// (ingest.Store) and its own facts.
type Store interface {
	ingest.Store
	UpsertPostmortems(ctx context.Context, pms []domain.Postmortem) error
	UpsertActionItems(ctx context.Context, items []domain.ActionItem) error

	// What the reconciliation (reconcile.go) needs: the keys stored, and
	// the removal of issues with their children and raw documents.
	PostmortemKeys(ctx context.Context) ([]string, error)
	ActionItemKeys(ctx context.Context) ([]string, error)
	DeletePostmortems(ctx context.Context, keys []string) error
	DeleteActionItems(ctx context.Context, keys []string) error
	DeleteRawDocuments(ctx context.Context, source string, ids []string) error
}

// Options configure the ingester. BaseURL, Token and Store are required.
type Options struct {
	BaseURL    string // e.g. https://example.atlassian.net
	APIVersion int    // 2 (wiki markup descriptions) or 3 (ADF); default 3

	// Credentials: Email and Token (an API token) for basic auth, or Token
	// alone as a bearer token (personal access token) when Bearer is set.
	Email  string
	Token  string
	Bearer bool

	// PostmortemJQL and ActionItemJQL select the issues; an ORDER BY in them
	// is replaced. Defaults: domain.DefaultPostmortemJQL and
	// domain.DefaultActionItemJQL.
	PostmortemJQL string
	ActionItemJQL string
	// PostmortemIssueType tells postmortems from action items in issue
	// links; default "Postmortem".
	PostmortemIssueType string
	// ReviewStatuses and PublishedStatuses are the postmortem statuses whose
	// first (review) and last (published) entry time is recorded; defaults
	// "In Review" and "Published".
	ReviewStatuses    []string
	PublishedStatuses []string
	// Priorities maps Jira priority names to P1..P5 before the defaults of
	// DefaultPriority.
	Priorities map[string]string

	PageSize int // search page size, 1..100; default 100
	// BatchSize is about how many issues are written (and the checkpoint
	// advanced) at once; default 1000. A killed sync redoes at most one
	// batch.
	BatchSize         int
	RequestsPerMinute int           // request budget; 0 = unlimited
	RequestTimeout    time.Duration // per attempt; default 30s
	// MaxResponseBytes bounds one response body; a larger one fails with an
	// error naming the endpoint. 0 means httpx.DefaultMaxBodyBytes (64 MiB).
	MaxResponseBytes int64
	// Overlap is how far before the stored checkpoint an incremental sync
	// starts (edits landing while a sync runs, search index lag); default
	// 10m. Zero means the default; use a negative value for none.
	Overlap time.Duration
	// TimeZone overrides the Jira user's time zone (IANA name) used to
	// write JQL dates; empty means ask Jira (/myself).
	TimeZone string
	// MetadataRefresh is how old the cached site metadata (the user's time
	// zone, the statuses, the check of the configured fields) may get
	// before it is fetched again, one endpoint per sync; default 1h.
	MetadataRefresh time.Duration
	// ReconcileInterval is how often at most a sync also lists every key
	// in scope, removes from the store the issues Jira no longer lists
	// (deleted, or moved out of the JQL) and fetches the issues it lists
	// that are not stored (removed earlier, or brought into scope by a
	// JQL or access change): at the first sync of the
	// ingester, then once the interval has passed; default
	// DefaultReconcileInterval (a day). Negative: never.
	ReconcileInterval time.Duration
	// ReconcileMaxShare bounds one reconciliation's removals of one kind of
	// issue: more than this share of the stored ones (and more than 20) is
	// refused. 0: DefaultReconcileMaxShare; 1 lets any removal through (a
	// removal that is intended, such as a project moved out of scope).
	ReconcileMaxShare float64

	Fields Fields

	// HTTPClient supplies the base transport under httpx (nil: a clone of
	// http.DefaultTransport); its Timeout is ignored.
	HTTPClient *http.Client
	// Retry tuning for tests; zero values get httpx's defaults.
	MaxAttempts      int
	BaseBackoff      time.Duration
	MaxBackoff       time.Duration
	MalformedBackoff time.Duration // wait before repeating a malformed response; default 1s

	Store      Store
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	Now        func() time.Time
}

// Fields say where things live in the site's issues.
type Fields struct {
	// DueDate is the action items' due-date field; default "duedate".
	DueDate string
	// Severity is the postmortems' severity field; empty means the severity
	// comes from the linked incident (Postmortem.Severity stays empty).
	Severity     string
	Team         TeamField
	IncidentLink IncidentLinkField
}

// TeamField: From is TeamFromComponent (default), TeamFromLabel (the rest of
// the first label with LabelPrefix) or TeamFromField (Field's value).
type TeamField struct {
	From        string
	Field       string
	LabelPrefix string
}

// IncidentLinkField: Mode is LinkByLabel (default; labels LabelPrefix+id,
// default prefix "pd-"), LinkByField (Field holds ids or incident URLs) or
// LinkByDescription (incident URLs in the description).
type IncidentLinkField struct {
	Mode        string
	Field       string
	LabelPrefix string
}

// Ingester syncs Jira into the store. It implements ingest.Source.
type Ingester struct {
	opts       Options
	log        *slog.Logger
	st         Store
	client     *gojira.Client
	transport  *httpx.Transport
	apiRoot    string // "rest/api/3"
	browseBase string // "https://example.atlassian.net/browse/"
	fields     []string
	metrics    *metrics

	loc            *time.Location
	statusCategory map[string]string    // status id (and "name:"+lower name) -> category key
	meta           map[string]metaEntry // cached site metadata by checkpoint name (metadata.go)
	metaTried      map[string]time.Time // when a refresh of an entry last failed

	loop *ingest.Loop
	run  *ingest.Run // the pass in progress (one at a time)

	// lastReconcile is when this ingester last reconciled the store with
	// Jira (zero: not yet; reconcile.go).
	lastReconcile time.Time
	// refused is set while the last reconciliation refused a removal:
	// every sync reconciles until it does not.
	refused bool
	// restoreBatch is how many keys one search of the reconciliation's
	// restore names (restoreBatchKeys; smaller in tests).
	restoreBatch int
	// skippedKeys are the keys of the issues the sync in progress skipped
	// (nil outside a sync): its reconciliation does not fetch them again.
	skippedKeys map[string]bool

	unknownMu    sync.Mutex
	unknownSeen  map[unknownKey]int // this sync's unknown values (at most maxUnknownWarnings)
	unknownTotal uint64
}

var (
	_ ingest.Source = (*Ingester)(nil)
	_ ingest.Syncer = (*Ingester)(nil)
)

// New builds an ingester; it makes no request. Without credentials it can
// re-extract stored raw documents, not sync.
func New(opts Options) (*Ingester, error) {
	if opts.BaseURL == "" {
		return nil, errors.New("jira: base url is required")
	}
	base, err := url.Parse(opts.BaseURL)
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("jira: base url %q is not an absolute URL", opts.BaseURL)
	}
	if opts.Store == nil {
		return nil, errors.New("jira: store is required")
	}
	if opts.APIVersion == 0 {
		opts.APIVersion = 3
	}
	if opts.APIVersion != 2 && opts.APIVersion != 3 {
		return nil, fmt.Errorf("jira: api version must be 2 or 3, got %d", opts.APIVersion)
	}
	if opts.PostmortemJQL == "" {
		opts.PostmortemJQL = domain.DefaultPostmortemJQL
	}
	if opts.ActionItemJQL == "" {
		opts.ActionItemJQL = domain.DefaultActionItemJQL
	}
	if opts.PostmortemIssueType == "" {
		opts.PostmortemIssueType = "Postmortem"
	}
	if len(opts.ReviewStatuses) == 0 {
		opts.ReviewStatuses = []string{"In Review"}
	}
	if len(opts.PublishedStatuses) == 0 {
		opts.PublishedStatuses = []string{"Published"}
	}
	if opts.PageSize <= 0 || opts.PageSize > 100 {
		opts.PageSize = 100
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1000
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 30 * time.Second
	}
	switch {
	case opts.Overlap == 0:
		opts.Overlap = 10 * time.Minute
	case opts.Overlap < 0:
		opts.Overlap = 0
	}
	if opts.MetadataRefresh <= 0 {
		opts.MetadataRefresh = time.Hour
	}
	if opts.ReconcileMaxShare <= 0 {
		opts.ReconcileMaxShare = DefaultReconcileMaxShare
	}
	if opts.ReconcileInterval == 0 {
		opts.ReconcileInterval = DefaultReconcileInterval
	}
	if opts.MalformedBackoff <= 0 {
		opts.MalformedBackoff = time.Second
	}
	if opts.TimeZone != "" {
		if _, err := time.LoadLocation(opts.TimeZone); err != nil {
			return nil, fmt.Errorf("jira: time zone %q: %w", opts.TimeZone, err)
		}
	}
	f := &opts.Fields
	if f.DueDate == "" {
		f.DueDate = "duedate"
	}
	if f.Team.From == "" {
		f.Team.From = TeamFromComponent
	}
	switch f.Team.From {
	case TeamFromComponent:
	case TeamFromLabel:
		if f.Team.LabelPrefix == "" {
			return nil, errors.New("jira: team from label needs a label prefix")
		}
	case TeamFromField:
		if f.Team.Field == "" {
			return nil, errors.New("jira: team from field needs a field id")
		}
	default:
		return nil, fmt.Errorf("jira: unknown team source %q", f.Team.From)
	}
	if f.IncidentLink.Mode == "" {
		f.IncidentLink.Mode = LinkByLabel
	}
	switch f.IncidentLink.Mode {
	case LinkByLabel:
		if f.IncidentLink.LabelPrefix == "" {
			f.IncidentLink.LabelPrefix = domain.DefaultIncidentLabelPrefix
		}
	case LinkByField:
		if f.IncidentLink.Field == "" {
			return nil, errors.New("jira: incident link by field needs a field id")
		}
	case LinkByDescription:
	default:
		return nil, fmt.Errorf("jira: unknown incident link mode %q", f.IncidentLink.Mode)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("source", sourceName)
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("jira: register metrics: %w", err)
	}

	var baseRT http.RoundTripper
	if opts.HTTPClient != nil && opts.HTTPClient.Transport != nil {
		baseRT = opts.HTTPClient.Transport
	}
	if baseRT == nil {
		baseRT = http.DefaultTransport.(*http.Transport).Clone()
	}
	tr, err := httpx.New(httpx.Options{
		Source:            sourceName,
		Base:              &authTransport{next: baseRT, email: opts.Email, token: opts.Token, bearer: opts.Bearer},
		RequestsPerMinute: opts.RequestsPerMinute,
		MaxAttempts:       opts.MaxAttempts,
		BaseBackoff:       opts.BaseBackoff,
		MaxBackoff:        opts.MaxBackoff,
		AttemptTimeout:    opts.RequestTimeout,
		BufferBodies:      true,
		MaxBodyBytes:      opts.MaxResponseBytes,
		Endpoint:          httpx.Templates("/search/jql", "/issue/{key}", "/issue/{key}/changelog", "/field", "/status", "/myself"),
		Registerer:        opts.Registerer,
		Logger:            logger,
	})
	if err != nil {
		return nil, fmt.Errorf("jira: %w", err)
	}
	client, err := gojira.NewClient(&http.Client{Transport: &captureTransport{next: tr, apiVersion: opts.APIVersion}}, opts.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("jira: client: %w", err)
	}
	in := &Ingester{
		opts:       opts,
		log:        logger,
		st:         opts.Store,
		client:     client,
		transport:  tr,
		apiRoot:    fmt.Sprintf("rest/api/%d", opts.APIVersion),
		browseBase: strings.TrimSuffix(opts.BaseURL, "/") + "/browse/",
		metrics:    m,

		restoreBatch: restoreBatchKeys,
	}
	in.fields = []string{"summary", "issuetype", "project", "status", "priority", "assignee", "reporter", "creator",
		"created", "updated", "resolutiondate", "labels", "components", "issuelinks", "description"}
	for _, extra := range []string{f.DueDate, f.Severity, f.Team.Field, f.IncidentLink.Field} {
		if extra != "" && !slices.Contains(in.fields, extra) {
			in.fields = append(in.fields, extra)
		}
	}
	if opts.TimeZone != "" {
		in.loc, _ = time.LoadLocation(opts.TimeZone)
	}
	in.loop, err = ingest.NewLoop(in, ingest.LoopOptions{Store: opts.Store, Metrics: m.SourceMetrics, Requests: tr, Logger: logger, Now: opts.Now})
	if err != nil {
		return nil, err
	}
	return in, nil
}

// Name is "jira".
func (in *Ingester) Name() string { return sourceName }

// Sync runs one pass through the shared loop, which records it.
func (in *Ingester) Sync(ctx context.Context) (ingest.Stats, error) { return in.loop.Sync(ctx) }

// Reextract converts the stored raw issues into rows again through the
// shared loop, without calling the API (see ReextractRun).
func (in *Ingester) Reextract(ctx context.Context) (ingest.Stats, error) {
	return in.loop.Reextract(ctx)
}

// SyncRun runs one pass over postmortems, then action items, then, when it
// is due, the reconciliation (reconcile.go).
func (in *Ingester) SyncRun(ctx context.Context, run *ingest.Run) error {
	// The credentials are needed to sync, not to re-extract stored
	// documents.
	if in.opts.Token == "" {
		return errors.New("jira: token is required")
	}
	if !in.opts.Bearer && in.opts.Email == "" {
		return errors.New("jira: basic auth needs an email")
	}
	in.run = run
	in.skippedKeys = map[string]bool{}
	defer func() { in.run, in.skippedKeys = nil, nil }()
	in.resetUnknown()
	defer in.reportUnknown()
	return in.sync(ctx)
}

func (in *Ingester) sync(ctx context.Context) error {
	if err := in.prepare(ctx); err != nil {
		return err
	}
	// A backfill lists every issue of its kind: that listing serves the
	// reconciliation too.
	listed := map[string]map[string]bool{}
	for _, sc := range in.scopes() {
		keys, err := in.syncKind(ctx, sc.kind, sc.jql)
		if err != nil {
			return err
		}
		if keys != nil {
			listed[sc.kind] = keys
		}
	}
	now := in.opts.Now()
	if !in.reconcileDue(now) {
		return nil
	}
	if err := in.reconcile(ctx, listed); err != nil {
		return err
	}
	in.lastReconcile = now
	return nil
}

func checkpointName(kind string) string { return kind + "s.updated" }

// syncKind pages through one query. Mapped rows are written in batches of
// about BatchSize issues; the checkpoint advances after each batch is
// stored, to the latest `updated` in it (the search is ordered by updated).
// A backfill (no checkpoint yet) lists every issue of the query: it then
// returns the key of each issue listed, stored or skipped (nil when one had
// no key to be found).
func (in *Ingester) syncKind(ctx context.Context, kind, baseJQL string) (map[string]bool, error) {
	cp, ok, err := in.run.Checkpoint(ctx, checkpointName(kind))
	if err != nil {
		return nil, err
	}
	var mark, since time.Time
	var listed map[string]bool
	if ok {
		mark, err = time.Parse(time.RFC3339, cp)
		if err != nil {
			return nil, fmt.Errorf("jira: bad %s checkpoint %q: %w", kind, cp, err)
		}
		since = mark.Add(-in.opts.Overlap)
	} else {
		listed = map[string]bool{}
	}
	jql := searchJQL(baseJQL, since, in.loc)
	in.log.Debug("search", "kind", kind, "jql", jql)
	b := &batch{}
	flush := func(page int) error {
		if err := in.store(ctx, b); err != nil {
			return fmt.Errorf("jira: %ss up to page %d: %w", kind, page, err)
		}
		if b.latest.After(mark) {
			mark = b.latest
			if err := in.run.SetCheckpoint(ctx, checkpointName(kind), mark.Format(time.RFC3339)); err != nil {
				return err
			}
		}
		*b = batch{}
		return nil
	}
	q := searchQuery{what: "search " + kind + "s", jql: jql, fields: in.fields, expand: "changelog", pageSize: in.opts.PageSize}
	err = in.pages(ctx, q, func(page int, p searchPage, last bool) error {
		if listed != nil {
			for _, raw := range p.Issues {
				key, _ := issueIdentity(raw)
				if key == "" {
					listed = nil // incomplete: the reconciliation lists on its own
					break
				}
				listed[key] = true
			}
		}
		if err := in.mapPage(ctx, kind, p, b); err != nil {
			return fmt.Errorf("jira: %ss page %d: %w", kind, page, err)
		}
		if last || b.issues >= in.opts.BatchSize {
			return flush(page)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return listed, nil
}

// searchQuery is one search: its JQL and what it asks of each issue.
type searchQuery struct {
	what     string // for errors: "search postmortems", "reconcile: search action_item keys"
	jql      string
	fields   []string
	expand   string
	pageSize int
}

// pages runs a search page by page, following nextPageToken, and calls fn
// with each page (last: no page follows). It stops at the first error, and
// when ctx is cancelled before a page.
func (in *Ingester) pages(ctx context.Context, q searchQuery, fn func(page int, p searchPage, last bool) error) error {
	token := ""
	// A token handed out before would page in a circle, and a run of
	// empty pages that never ends is no progress either: both end the
	// search with an error instead of requesting forever.
	tokens := map[string]bool{}
	empty := 0
	for page := 1; ; page++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("jira: %s page %d: %w", q.what, page, err)
		}
		if page > maxSearchPages {
			return fmt.Errorf("jira: %s: more than %d pages", q.what, maxSearchPages)
		}
		p, err := in.searchPage(ctx, q, token)
		if err != nil {
			return fmt.Errorf("jira: %s page %d: %w", q.what, page, err)
		}
		last := p.page.IsLast || p.page.NextPageToken == ""
		if err := fn(page, p.page, last); err != nil {
			return err
		}
		if last {
			return nil
		}
		if len(p.page.Issues) == 0 {
			empty++
		} else {
			empty = 0
		}
		next := p.page.NextPageToken
		switch {
		case next == token || tokens[next]:
			return fmt.Errorf("jira: %s page %d: the server handed out a page token it gave before (paging would loop)", q.what, page)
		case empty >= maxEmptySearchPages:
			return fmt.Errorf("jira: %s page %d: %d empty pages in a row that are not the last (paging makes no progress)", q.what, page, empty)
		}
		tokens[next] = true
		token = next
	}
}

// maxEmptySearchPages bounds a run of empty, not-last search pages.
const maxEmptySearchPages = 20

// batch holds mapped rows not yet stored.
type batch struct {
	pms    []domain.Postmortem
	ais    []domain.ActionItem
	raws   []domain.RawDocument
	seen   map[string]bool
	issues int
	latest time.Time // the latest `updated` among the issues
}

// mapPage maps one search page into b.
func (in *Ingester) mapPage(ctx context.Context, kind string, page searchPage, b *batch) error {
	fetched := in.opts.Now().UTC()
	if b.seen == nil {
		b.seen = map[string]bool{}
	}
	for _, raw := range page.Issues {
		var is apiIssue
		if err := jsonUnmarshal(raw, &is); err != nil {
			// Nested past encoding/json's depth limit, or otherwise not
			// JSON: skip it by key; the rest of the page goes on.
			key, id := issueIdentity(raw)
			in.skip(kind, key, skipUndecodable, fmt.Errorf("decode issue (id %q, %d bytes): %w", id, len(raw), err))
			continue
		}
		if b.seen[is.Key] {
			continue // served twice (items shifted between pages)
		}
		hs := []apiHistory(nil)
		if is.Changelog != nil {
			hs = is.Changelog.Histories
		}
		if is.Changelog.truncated() {
			full, err := in.completeChangelog(ctx, is.Key, is.Changelog)
			if err != nil {
				return err
			}
			in.metrics.changelogsCompleted.Inc()
			hs = full
		}
		sorted, err := sortHistories(hs)
		if err != nil {
			in.skip(kind, is.Key, skipChangelog, err)
			continue
		}
		m, err := in.mapIssue(kind, &is, sorted, raw, fetched)
		if err != nil {
			in.skip(kind, is.Key, skipUnmappable, err)
			continue
		}
		b.seen[is.Key] = true
		b.issues++
		if m.updated.After(b.latest) {
			b.latest = m.updated
		}
		b.raws = append(b.raws, m.raw...)
		if m.pm != nil {
			b.pms = append(b.pms, *m.pm)
		}
		if m.ai != nil {
			b.ais = append(b.ais, *m.ai)
		}
	}
	return nil
}

// store writes a batch: raw documents first, then the domain rows.
func (in *Ingester) store(ctx context.Context, b *batch) error {
	if err := in.st.UpsertRaw(ctx, b.raws); err != nil {
		return fmt.Errorf("store raw issues: %w", err)
	}
	in.count("raw_document", len(b.raws))
	if len(b.pms) > 0 {
		if err := in.st.UpsertPostmortems(ctx, b.pms); err != nil {
			return fmt.Errorf("store postmortems: %w", err)
		}
		factors := 0
		for _, p := range b.pms {
			factors += len(p.Factors)
		}
		in.count("postmortem", len(b.pms))
		in.count("factor", factors)
	}
	if len(b.ais) > 0 {
		if err := in.st.UpsertActionItems(ctx, b.ais); err != nil {
			return fmt.Errorf("store action items: %w", err)
		}
		transitions := 0
		for _, a := range b.ais {
			transitions += len(a.Transitions)
		}
		in.count("action_item", len(b.ais))
		in.count("transition", transitions)
	}
	return nil
}

func (in *Ingester) count(kind string, n int) {
	in.run.Stored(kind, n)
}

// Why an issue was skipped (the reason label of
// aftermath_jira_skipped_issues_total).
const (
	skipUndecodable = "undecodable" // its JSON does not decode (too deep, not JSON)
	skipChangelog   = "changelog"   // its changelog cannot be ordered
	skipUnmappable  = "unmappable"  // a field the mapping needs is missing or malformed
)

// skip counts and logs an issue that cannot be stored; the run goes on.
func (in *Ingester) skip(kind, key, reason string, err error) {
	in.run.CountUnmapped(kind)
	if in.skippedKeys != nil && key != "" {
		in.skippedKeys[key] = true
	}
	in.metrics.skipped.WithLabelValues(kind, reason).Inc()
	in.log.Warn("skipping issue", "kind", kind, "key", key, "reason", reason, "err", err)
}

// maxUnknownWarnings bounds the distinct unknown values logged at WARN per
// sync; the rest are logged at DEBUG (and all are counted).
const maxUnknownWarnings = 50

// unknown counts a value outside the known set (mapped to "unknown"; the
// raw value stays in the issue's raw document, and for statuses and
// priorities in the row's status and raw_priority). Each distinct value is
// logged at WARN once per sync with the raw value.
func (in *Ingester) unknown(field, value string) {
	in.metrics.UnknownEnums.WithLabelValues(field).Inc()
	in.unknownMu.Lock()
	if in.unknownSeen == nil {
		in.unknownSeen = map[unknownKey]int{}
	}
	k := unknownKey{field, value}
	n := in.unknownSeen[k]
	first := n == 0 && len(in.unknownSeen) < maxUnknownWarnings
	if n > 0 || len(in.unknownSeen) < maxUnknownWarnings {
		in.unknownSeen[k] = n + 1
	}
	in.unknownTotal++
	in.unknownMu.Unlock()
	if first {
		in.log.Warn("unknown enum value, stored as unknown", "field", field, "value", value)
		return
	}
	in.log.Debug("unknown enum value, stored as unknown", "field", field, "value", value)
}

type unknownKey struct{ field, value string }

// resetUnknown starts a sync's record of unknown values.
func (in *Ingester) resetUnknown() {
	in.unknownMu.Lock()
	in.unknownSeen = map[unknownKey]int{}
	in.unknownTotal = 0
	in.unknownMu.Unlock()
}

// reportUnknown logs at WARN how many unknown values the sync met, by
// field and value (the values logged individually).
func (in *Ingester) reportUnknown() {
	in.unknownMu.Lock()
	defer in.unknownMu.Unlock()
	if in.unknownTotal == 0 {
		return
	}
	var parts []string
	for k, n := range in.unknownSeen {
		parts = append(parts, fmt.Sprintf("%s=%q×%d", k.field, k.value, n))
	}
	slices.Sort(parts)
	in.log.Warn("unknown enum values in this sync", "count", in.unknownTotal, "values", strings.Join(parts, ", "))
}
