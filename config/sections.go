package config

import (
	"fmt"
	"maps"
	"math"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/aftermath-sre/aftermath/domain"
)

// Enumerated values of the config file.
const (
	AuthBasic  = "basic"  // Jira Cloud: account email + API token
	AuthBearer = "bearer" // Jira Data Center: personal access token

	TeamFromComponent = "component"
	TeamFromLabel     = "label"
	TeamFromField     = "field"

	LinkByLabel       = "label"
	LinkByField       = "field"
	LinkByDescription = "description"

	WindowCalendarMonth = "calendar_month"
	WindowRolling28d    = "rolling_28d"
	WindowRolling30d    = "rolling_30d"

	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
	TLSNone     = "none"

	// Unknown is what SeverityMapping.Severity and
	// Jira.NormalizePriority return for values they cannot map.
	Unknown = "unknown"
)

// severityLevels are the severity levels of the domain, most severe first.
var severityLevels = []string{"SEV1", "SEV2", "SEV3", "SEV4", "SEV5"}

// priorityLevels are the action-item priority levels of the domain.
var priorityLevels = []string{"P1", "P2", "P3", "P4", "P5"}

// MaxRequestsPerMinute bounds requests_per_minute. PagerDuty's real limit is
// 960 per minute per token; higher budgets only make sense against the
// simulator or a caching proxy, which is why they are allowed at all.
const MaxRequestsPerMinute = 1_000_000

// ClickHouse says where data is stored.
type ClickHouse struct {
	// Addresses are host:port pairs of the native protocol. Empty means
	// Aftermath starts and manages a local clickhouse-server (see Managed).
	Addresses    []string `yaml:"addresses"`
	Database     string   `yaml:"database"`
	Username     string   `yaml:"username"`
	PasswordEnv  string   `yaml:"password_env"`
	PasswordFile string   `yaml:"password_file" clears:"password_env"`
	Password     Secret   `yaml:"password"`
	// Cluster, when set, is the cluster (remote_servers name) the tables are
	// sharded and replicated over (see store.Options.Cluster).
	Cluster     string   `yaml:"cluster"`
	DialTimeout Duration `yaml:"dial_timeout"`
	Managed     Managed  `yaml:"managed"`
}

// Managed configures the local clickhouse-server child process.
type Managed struct {
	Binary       string   `yaml:"binary"`
	StateDir     string   `yaml:"state_dir"`
	StartTimeout Duration `yaml:"start_timeout"`
}

// ManagedLocal reports whether Aftermath must start its own server.
func (c ClickHouse) ManagedLocal() bool { return len(c.Addresses) == 0 }

// Validate checks the section; paths in errors are relative to it.
func (c ClickHouse) Validate() error {
	var p problems
	for i, a := range c.Addresses {
		path := fmt.Sprintf("addresses[%d]", i)
		if !validHostPort(a, false) {
			p.add(path, "must be host:port, got %q", a)
		} else if j := slices.Index(c.Addresses[:i], a); j >= 0 {
			p.add(path, "duplicate of addresses[%d]", j)
		}
	}
	checkIdent(&p, "database", c.Database, true)
	if c.Username == "" {
		p.add("username", "must not be empty")
	}
	checkSecretSource(&p, "password", c.PasswordEnv, c.PasswordFile)
	checkIdent(&p, "cluster", c.Cluster, false)
	checkPositive(&p, "dial_timeout", c.DialTimeout)
	if c.Managed.Binary == "" {
		p.add("managed.binary", "must not be empty")
	}
	if c.Managed.StateDir == "" {
		p.add("managed.state_dir", "must not be empty")
	}
	checkPositive(&p, "managed.start_timeout", c.Managed.StartTimeout)
	return p.err()
}

// PagerDuty configures the PagerDuty source.
type PagerDuty struct {
	Enabled   bool   `yaml:"enabled"`
	APIURL    string `yaml:"api_url"`
	TokenEnv  string `yaml:"token_env"`
	TokenFile string `yaml:"token_file" clears:"token_env"`
	Token     Secret `yaml:"token"`
	// ServiceIDs and TeamIDs filter incidents; empty means all.
	ServiceIDs []string `yaml:"service_ids"`
	TeamIDs    []string `yaml:"team_ids"`
	// RequestsPerMinute is the request budget; 0 means unlimited.
	RequestsPerMinute int      `yaml:"requests_per_minute"`
	PageSize          int      `yaml:"page_size"`
	RequestTimeout    Duration `yaml:"request_timeout"`
	// MaxResponseBytes bounds one API response body; a larger one fails the
	// sync with an error naming the endpoint instead of exhausting memory.
	MaxResponseBytes ByteSize        `yaml:"max_response_bytes"`
	BackfillStart    StartTime       `yaml:"backfill_start"`
	Severity         SeverityMapping `yaml:"severity"`
}

// SeverityMapping maps a PagerDuty incident to a domain severity: by its
// priority name first, by its urgency when it has no (mapped) priority.
type SeverityMapping struct {
	Priorities map[string]string `yaml:"priorities"`
	Urgency    UrgencySeverity   `yaml:"urgency"`
}

// UrgencySeverity is the severity per PagerDuty urgency.
type UrgencySeverity struct {
	High string `yaml:"high"`
	Low  string `yaml:"low"`
}

// Severity returns the severity for an incident's priority name ("" when it
// has none) and urgency ("high" or "low"), or Unknown.
func (m SeverityMapping) Severity(priority, urgency string) string {
	if s, ok := m.Priorities[priority]; ok && priority != "" {
		return s
	}
	switch urgency {
	case "high":
		return m.Urgency.High
	case "low":
		return m.Urgency.Low
	}
	return Unknown
}

var pdIDRe = regexp.MustCompile(`^[A-Z0-9]+$`)

// Validate checks the section; paths in errors are relative to it.
func (c PagerDuty) Validate() error {
	var p problems
	checkURL(&p, "api_url", c.APIURL, true)
	checkSecretSource(&p, "token", c.TokenEnv, c.TokenFile)
	checkIDs(&p, "service_ids", c.ServiceIDs)
	checkIDs(&p, "team_ids", c.TeamIDs)
	checkRange(&p, "requests_per_minute", c.RequestsPerMinute, 0, MaxRequestsPerMinute, "0 (unlimited)")
	checkRange(&p, "page_size", c.PageSize, 1, 100, "")
	checkPositive(&p, "request_timeout", c.RequestTimeout)
	checkResponseLimit(&p, "max_response_bytes", c.MaxResponseBytes)
	if c.BackfillStart == (StartTime{}) {
		p.add("backfill_start", "must be set")
	} else if t := c.BackfillStart.Time; t.After(time.Now()) {
		// Nothing would be ingested until then, while every sync reports
		// success (and the staleness alert stays quiet).
		p.add("backfill_start", "%s is in the future: the history must start on or before today", c.BackfillStart)
	}
	for _, k := range sortedKeys(c.Severity.Priorities) {
		if k == "" {
			p.add("severity.priorities", "priority names must not be empty")
		}
		checkSeverity(&p, "severity.priorities."+k, c.Severity.Priorities[k])
	}
	checkSeverity(&p, "severity.urgency.high", c.Severity.Urgency.High)
	checkSeverity(&p, "severity.urgency.low", c.Severity.Urgency.Low)
	return p.err()
}

func checkIDs(p *problems, path string, ids []string) {
	for i, id := range ids {
		ip := fmt.Sprintf("%s[%d]", path, i)
		if !pdIDRe.MatchString(id) {
			p.add(ip, "must be a PagerDuty id like PABC123, got %q", id)
		} else if j := slices.Index(ids[:i], id); j >= 0 {
			p.add(ip, "duplicate of %s[%d]", path, j)
		}
	}
}

// lastKey returns "severities" for "customer_impacting.severities".
func lastKey(path string) string { return path[strings.LastIndex(path, ".")+1:] }

// Jira configures the Jira source.
type Jira struct {
	Enabled bool   `yaml:"enabled"`
	BaseURL string `yaml:"base_url"`
	// APIVersion is the REST API version: 2 (wiki markup) or 3 (ADF).
	APIVersion    int      `yaml:"api_version"`
	Auth          JiraAuth `yaml:"auth"`
	PostmortemJQL string   `yaml:"postmortem_jql"`
	ActionItemJQL string   `yaml:"action_item_jql"`
	// PublishedStatuses are the postmortem statuses that count as published.
	PublishedStatuses []string `yaml:"published_statuses"`
	// Priorities maps Jira priority names to P1..P5 (see NormalizePriority).
	Priorities        map[string]string `yaml:"priorities"`
	RequestsPerMinute int               `yaml:"requests_per_minute"`
	PageSize          int               `yaml:"page_size"`
	RequestTimeout    Duration          `yaml:"request_timeout"`
	// MaxResponseBytes bounds one API response body; a larger one fails the
	// sync with an error naming the endpoint instead of exhausting memory.
	MaxResponseBytes ByteSize `yaml:"max_response_bytes"`
	// SyncOverlap is how far before the last checkpoint an incremental
	// sync starts again (edits that land while a sync runs, clock skew).
	SyncOverlap Duration `yaml:"sync_overlap"`
	// ReconcileInterval is how often the keys in scope are listed to remove
	// the issues deleted in Jira or moved out of the JQL scope (also at the
	// first sync of every process); 0 turns it off.
	ReconcileInterval Duration `yaml:"reconcile_interval"`
	// ReconcileMaxShare: a reconciliation that would remove more than this
	// share of the stored postmortems or action items (and more than 20)
	// removes nothing; 1 lets an intended mass removal through.
	ReconcileMaxShare float64 `yaml:"reconcile_max_share"`
	// TimeZone overrides the Jira user's time zone used in JQL dates; empty
	// means ask Jira (/myself).
	TimeZone string `yaml:"time_zone"`
	// MetadataRefresh is how old the cached site metadata (/myself,
	// /field, /status) may get before it is read again, one endpoint per
	// sync.
	MetadataRefresh Duration   `yaml:"metadata_refresh"`
	Fields          JiraFields `yaml:"fields"`
}

// JiraAuth holds Jira credentials. Basic: Email (or EmailEnv) + Token.
// Bearer: Token is a personal access token.
type JiraAuth struct {
	Type string `yaml:"type"`
	// Email is not a secret, so it may be inline; when empty it is read
	// from EmailEnv.
	Email     string `yaml:"email" clears:"email_env"`
	EmailEnv  string `yaml:"email_env"`
	TokenEnv  string `yaml:"token_env"`
	TokenFile string `yaml:"token_file" clears:"token_env"`
	Token     Secret `yaml:"token"`
}

// JiraFields says where Aftermath finds things in Jira issues.
type JiraFields struct {
	// DueDate is the action items' due-date field.
	DueDate string `yaml:"due_date"`
	// Severity is the postmortems' severity field; empty means the severity
	// of the linked incident.
	Severity     string            `yaml:"severity"`
	Team         TeamField         `yaml:"team"`
	IncidentLink IncidentLinkField `yaml:"incident_link"`
}

// TeamField says how an action item's owning team is found.
type TeamField struct {
	From        string `yaml:"from"`         // component, label or field
	Field       string `yaml:"field"`        // with from: field
	LabelPrefix string `yaml:"label_prefix"` // with from: label; the team is the rest of the label
}

// IncidentLinkField says how a postmortem names its PagerDuty incident(s).
type IncidentLinkField struct {
	// Mode is label (LabelPrefix + incident id), field (a field holding
	// incident ids or URLs) or description (incident URLs in the text).
	Mode        string `yaml:"mode"`
	Field       string `yaml:"field"`
	LabelPrefix string `yaml:"label_prefix"`
}

// NormalizePriority maps a Jira priority name to P1..P5: through
// Priorities, else the name itself when it already is P1..P5, else
// Unknown.
func (c Jira) NormalizePriority(name string) string {
	if p, ok := c.Priorities[name]; ok {
		return p
	}
	if slices.Contains(priorityLevels, name) {
		return name
	}
	return Unknown
}

var (
	customFieldRe = regexp.MustCompile(`^customfield_[0-9]+$`)
	systemFields  = []string{"duedate", "priority", "labels", "components", "environment", "summary", "description", "assignee", "reporter", "resolution"}
)

// Validate checks the section; paths in errors are relative to it.
func (c Jira) Validate() error {
	var p problems
	if c.Enabled && c.BaseURL == "" {
		p.add("base_url", "must be set when jira is enabled")
	}
	checkURL(&p, "base_url", c.BaseURL, false)
	if c.APIVersion != 2 && c.APIVersion != 3 {
		p.add("api_version", "must be 2 or 3, got %d", c.APIVersion)
	}
	checkEnum(&p, "auth.type", c.Auth.Type, AuthBasic, AuthBearer)
	checkEnvName(&p, "auth.email_env", c.Auth.EmailEnv)
	if _, err := mail.ParseAddress(c.Auth.Email); c.Auth.Email != "" && err != nil {
		p.add("auth.email", "must be an email address, got %q", c.Auth.Email)
	}
	checkSecretSource(&p, "auth.token", c.Auth.TokenEnv, c.Auth.TokenFile)
	if strings.TrimSpace(c.PostmortemJQL) == "" {
		p.add("postmortem_jql", "must not be empty")
	}
	if strings.TrimSpace(c.ActionItemJQL) == "" {
		p.add("action_item_jql", "must not be empty")
	}
	if len(c.PublishedStatuses) == 0 {
		p.add("published_statuses", "must not be empty")
	}
	for i, s := range c.PublishedStatuses {
		if strings.TrimSpace(s) == "" {
			p.add(fmt.Sprintf("published_statuses[%d]", i), "must not be empty")
		}
	}
	for _, k := range sortedKeys(c.Priorities) {
		if v := c.Priorities[k]; !slices.Contains(priorityLevels, v) {
			p.add("priorities."+k, "must be one of %s, got %q", strings.Join(priorityLevels, ", "), v)
		}
	}
	checkRange(&p, "requests_per_minute", c.RequestsPerMinute, 0, MaxRequestsPerMinute, "0 (unlimited)")
	checkRange(&p, "page_size", c.PageSize, 1, 100, "")
	checkPositive(&p, "request_timeout", c.RequestTimeout)
	checkResponseLimit(&p, "max_response_bytes", c.MaxResponseBytes)
	checkPositive(&p, "metadata_refresh", c.MetadataRefresh)
	if c.ReconcileMaxShare <= 0 || c.ReconcileMaxShare > 1 {
		p.add("reconcile_max_share", "must be greater than 0 and at most 1, got %g", c.ReconcileMaxShare)
	}
	if d := c.ReconcileInterval.D(); d != 0 && d < time.Hour {
		p.add("reconcile_interval", "must be 0 (off) or at least 1h, got %s", d)
	}
	checkTimeZone(&p, "time_zone", c.TimeZone)
	checkFieldID(&p, "fields.due_date", c.Fields.DueDate, true)
	checkFieldID(&p, "fields.severity", c.Fields.Severity, false)
	t := c.Fields.Team
	checkEnum(&p, "fields.team.from", t.From, TeamFromComponent, TeamFromLabel, TeamFromField)
	if t.From == TeamFromField && t.Field == "" {
		p.add("fields.team.field", "must be set when fields.team.from is field")
	}
	checkFieldID(&p, "fields.team.field", t.Field, false)
	if t.From == TeamFromLabel && t.LabelPrefix == "" {
		p.add("fields.team.label_prefix", "must not be empty when fields.team.from is label")
	}
	l := c.Fields.IncidentLink
	checkEnum(&p, "fields.incident_link.mode", l.Mode, LinkByLabel, LinkByField, LinkByDescription)
	if l.Mode == LinkByField && l.Field == "" {
		p.add("fields.incident_link.field", "must be set when fields.incident_link.mode is field")
	}
	checkFieldID(&p, "fields.incident_link.field", l.Field, false)
	if l.Mode == LinkByLabel && l.LabelPrefix == "" {
		p.add("fields.incident_link.label_prefix", "must not be empty when fields.incident_link.mode is label")
	}
	return p.err()
}

func checkFieldID(p *problems, path, id string, required bool) {
	if id == "" && !required {
		return
	}
	if !customFieldRe.MatchString(id) && !slices.Contains(systemFields, id) {
		p.add(path, `must be a field id like customfield_10015 or "duedate"`)
	}
}

// SLO is one service's availability objective.
type SLO struct {
	// Service is the PagerDuty service name.
	Service string `yaml:"service"`
	// Target is the availability objective, e.g. 0.999.
	Target            float64           `yaml:"target"`
	Window            string            `yaml:"window"`
	CustomerImpacting CustomerImpacting `yaml:"customer_impacting"`
	// HourlyCost is the cost of one hour of downtime; 0 means not reported.
	HourlyCost float64 `yaml:"hourly_cost"`
}

// CustomerImpacting selects the incidents that count as downtime.
type CustomerImpacting struct {
	Severities []string `yaml:"severities"`
}

func (s *SLO) setDefaults() {
	s.Window = WindowRolling28d
	s.CustomerImpacting.Severities = []string{"SEV1", "SEV2"}
}

// Validate checks one SLO; paths in errors are relative to it.
func (s SLO) Validate() error {
	var p problems
	if strings.TrimSpace(s.Service) == "" {
		p.add("service", "must not be empty")
	}
	if !(s.Target > 0 && s.Target < 1) {
		p.add("target", "must be between 0 and 1 (exclusive), e.g. 0.999, got %v", s.Target)
	}
	checkEnum(&p, "window", s.Window, WindowCalendarMonth, WindowRolling28d, WindowRolling30d)
	checkSeverities(&p, "customer_impacting.severities", s.CustomerImpacting.Severities)
	if !(s.HourlyCost >= 0) || math.IsInf(s.HourlyCost, 1) {
		p.add("hourly_cost", "must be a non-negative number, got %v", s.HourlyCost)
	}
	return p.err()
}

// Analysis holds the analyzers' thresholds.
type Analysis struct {
	// StaleAfter is how long an open action item may go without activity.
	StaleAfter PriorityDurations `yaml:"stale_after"`
	// ClosureSLO is how long an action item may take to close.
	ClosureSLO PriorityDurations `yaml:"closure_slo"`
	Postmortem PostmortemTargets `yaml:"postmortem"`
	// RecurrenceWindow is how soon a similar incident counts as a repeat.
	RecurrenceWindow Duration `yaml:"recurrence_window"`
	// TeamAliases maps team names as one source spells them onto the name
	// used in every team label (e.g. the Jira component "devprod" onto the
	// PagerDuty team "Developer Productivity").
	TeamAliases map[string]string `yaml:"team_aliases"`
	// MemoryLimitMiB is the soft limit of the process's Go memory while an
	// analysis runs (analyze.Options.MemoryLimit), in MiB; 0: none beyond
	// GOMEMLIMIT.
	MemoryLimitMiB int `yaml:"memory_limit_mib"`
	// DismissLabel is the Jira label with which a team dismisses the
	// language findings on an issue it has reviewed (a postmortem's blame
	// findings, an action item's vagueness findings); "" turns it off.
	DismissLabel string `yaml:"dismiss_label"`
}

// PriorityDurations is one duration per action-item priority.
type PriorityDurations struct {
	P1 Duration `yaml:"P1"`
	P2 Duration `yaml:"P2"`
	P3 Duration `yaml:"P3"`
	P4 Duration `yaml:"P4"`
	P5 Duration `yaml:"P5"`
}

// For returns the duration for a priority P1..P5; false for anything else.
func (d PriorityDurations) For(priority string) (time.Duration, bool) {
	switch priority {
	case "P1":
		return d.P1.D(), true
	case "P2":
		return d.P2.D(), true
	case "P3":
		return d.P3.D(), true
	case "P4":
		return d.P4.D(), true
	case "P5":
		return d.P5.D(), true
	}
	return 0, false
}

// PostmortemTargets are the postmortem process targets.
type PostmortemTargets struct {
	// RequiredSeverities are the incident severities that need a postmortem.
	RequiredSeverities []string `yaml:"required_severities"`
	// DraftWithin and PublishWithin are measured from incident resolve.
	DraftWithin   Duration `yaml:"draft_within"`
	PublishWithin Duration `yaml:"publish_within"`
}

// Validate checks the section; paths in errors are relative to it.
func (a Analysis) Validate() error {
	var p problems
	for _, pr := range priorityLevels {
		d, _ := a.StaleAfter.For(pr)
		checkPositive(&p, "stale_after."+pr, Duration(d))
		d, _ = a.ClosureSLO.For(pr)
		checkPositive(&p, "closure_slo."+pr, Duration(d))
	}
	checkSeverities(&p, "postmortem.required_severities", a.Postmortem.RequiredSeverities)
	checkPositive(&p, "postmortem.draft_within", a.Postmortem.DraftWithin)
	checkPositive(&p, "postmortem.publish_within", a.Postmortem.PublishWithin)
	if a.Postmortem.PublishWithin < a.Postmortem.DraftWithin {
		p.add("postmortem.publish_within", "must not be shorter than postmortem.draft_within (%v)", a.Postmortem.DraftWithin)
	}
	checkPositive(&p, "recurrence_window", a.RecurrenceWindow)
	if a.MemoryLimitMiB < 0 {
		p.add("memory_limit_mib", "must not be negative, got %d", a.MemoryLimitMiB)
	}
	// Jira labels hold no white space and at most 255 characters.
	if strings.ContainsFunc(a.DismissLabel, unicode.IsSpace) {
		p.add("dismiss_label", "must be one Jira label, without spaces, got %q", a.DismissLabel)
	} else if len(a.DismissLabel) > 255 {
		p.add("dismiss_label", "must be at most 255 characters (a Jira label), got %d", len(a.DismissLabel))
	}
	seen := map[string]string{} // team key -> first alias (sorted) with it
	for _, k := range slices.Sorted(maps.Keys(a.TeamAliases)) {
		to := a.TeamAliases[k]
		switch first, dup := seen[domain.TeamKey(k)]; {
		case strings.TrimSpace(k) == "":
			p.add("team_aliases", "team names must not be empty")
		case strings.TrimSpace(to) == "":
			p.add("team_aliases."+k, "must name a team")
		case !dup:
			seen[domain.TeamKey(k)] = k
		case domain.TeamKey(to) != domain.TeamKey(a.TeamAliases[first]):
			// The analysis folds both to one team and could only pick one.
			p.add("team_aliases."+k, "is the same team as team_aliases.%s (both are %q) but maps to %q, not %q; keep one of them",
				first, domain.TeamKey(k), to, a.TeamAliases[first])
		}
	}
	return p.err()
}

// Schedule is how often `aftermath serve` runs each job.
type Schedule struct {
	PagerDuty Duration `yaml:"pagerduty"`
	Jira      Duration `yaml:"jira"`
	Analysis  Duration `yaml:"analysis"`
}

// Validate checks the section; paths in errors are relative to it.
func (s Schedule) Validate() error {
	var p problems
	for _, f := range []struct {
		path string
		d    Duration
	}{{"pagerduty", s.PagerDuty}, {"jira", s.Jira}, {"analysis", s.Analysis}} {
		if f.d < Duration(time.Minute) {
			p.add(f.path, "must be at least 1m, got %v", f.d)
		}
	}
	return p.err()
}

// Exporter configures the /metrics endpoint of `aftermath serve`.
type Exporter struct {
	ListenAddress string `yaml:"listen_address"`
	// WebConfigFile is an exporter-toolkit web config (TLS, basic auth).
	WebConfigFile string `yaml:"web_config_file"`
	// MaxItemSeries caps the per-action-item info series (stale, overdue);
	// 0 turns them off.
	MaxItemSeries int `yaml:"max_item_series"`
}

// Validate checks the section; paths in errors are relative to it.
func (e Exporter) Validate() error {
	var p problems
	if !validHostPort(e.ListenAddress, true) {
		p.add("listen_address", "must be [host]:port, got %q", e.ListenAddress)
	}
	checkRange(&p, "max_item_series", e.MaxItemSeries, 0, 10000, "0 (off)")
	return p.err()
}

// Digest configures the monthly digest.
type Digest struct {
	OutputDir string `yaml:"output_dir"`
	// BaseURL is where serve's /digests/ is reached by readers (for links in
	// deliveries), e.g. https://aftermath.example.com/digests/; optional.
	BaseURL string `yaml:"base_url"`
	// TimeZone decides month boundaries and when a month's digest is due.
	TimeZone string  `yaml:"time_zone"`
	Webhook  Webhook `yaml:"webhook"`
	SMTP     SMTP    `yaml:"smtp"`
}

// Webhook delivers the digest to a Slack-compatible incoming webhook. The
// URL is a secret: it authorizes posting.
type Webhook struct {
	Enabled bool     `yaml:"enabled"`
	URLEnv  string   `yaml:"url_env"`
	URLFile string   `yaml:"url_file" clears:"url_env"`
	URL     Secret   `yaml:"url"`
	Timeout Duration `yaml:"timeout"`
}

// SMTP delivers the digest by email.
type SMTP struct {
	Enabled bool   `yaml:"enabled"`
	Host    string `yaml:"host"`
	Port    int    `yaml:"port"`
	// TLS is starttls (upgrade, usually port 587), tls (implicit, usually
	// 465) or none.
	TLS  string   `yaml:"tls"`
	From string   `yaml:"from"`
	To   []string `yaml:"to"`
	// Username enables authentication (PLAIN); it then needs a password.
	Username     string   `yaml:"username"`
	PasswordEnv  string   `yaml:"password_env"`
	PasswordFile string   `yaml:"password_file" clears:"password_env"`
	Password     Secret   `yaml:"password"`
	Timeout      Duration `yaml:"timeout"`
}

// Validate checks the section; paths in errors are relative to it.
func (d Digest) Validate() error {
	var p problems
	if d.OutputDir == "" {
		p.add("output_dir", "must not be empty")
	}
	checkURL(&p, "base_url", d.BaseURL, false)
	checkTimeZone(&p, "time_zone", d.TimeZone)
	checkSecretSource(&p, "webhook.url", d.Webhook.URLEnv, d.Webhook.URLFile)
	checkPositive(&p, "webhook.timeout", d.Webhook.Timeout)
	s := d.SMTP
	if s.Enabled && s.Host == "" {
		p.add("smtp.host", "must be set when smtp is enabled")
	}
	checkRange(&p, "smtp.port", s.Port, 1, 65535, "")
	checkEnum(&p, "smtp.tls", s.TLS, TLSStartTLS, TLSImplicit, TLSNone)
	if s.From == "" && s.Enabled {
		p.add("smtp.from", "must be set when smtp is enabled")
	} else if _, err := mail.ParseAddress(s.From); s.From != "" && err != nil {
		p.add("smtp.from", "must be an email address, got %q", s.From)
	}
	if s.Enabled && len(s.To) == 0 {
		p.add("smtp.to", "must list at least one address when smtp is enabled")
	}
	for i, to := range s.To {
		if _, err := mail.ParseAddress(to); err != nil {
			p.add(fmt.Sprintf("smtp.to[%d]", i), "must be an email address, got %q", to)
		}
	}
	checkSecretSource(&p, "smtp.password", s.PasswordEnv, s.PasswordFile)
	checkPositive(&p, "smtp.timeout", s.Timeout)
	return p.err()
}

// Shared checks.

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func checkIdent(p *problems, path, s string, required bool) {
	if s == "" && !required {
		return
	}
	if !identRe.MatchString(s) {
		p.add(path, "must be an identifier (letters, digits and _, not starting with a digit), got %q", s)
	}
}

func checkEnvName(p *problems, path, s string) {
	switch {
	case looksLikeSecret(s):
		// A secret put by mistake where the name of its variable belongs:
		// never repeat it.
		p.add(path, "must be the name of an environment variable, but the value looks like a secret (not shown); put the secret in the environment and name the variable here")
	case s != "" && !identRe.MatchString(s):
		p.add(path, "must be an environment variable name (letters, digits and _), got %q", s)
	}
}

// checkSecretSource checks name_env and name_file (name may be nested, as
// in "auth.token").
func checkSecretSource(p *problems, name, env, file string) {
	checkEnvName(p, name+"_env", env)
	if env != "" && file != "" {
		p.add(name+"_file", "set only one of %[1]s_env and %[1]s_file", lastKey(name))
	}
}

func checkURL(p *problems, path, s string, required bool) {
	if s == "" && !required {
		return
	}
	u, err := url.Parse(s)
	switch {
	case err == nil && u.User != nil:
		p.add(path, "must not contain credentials") // and must not echo them
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		p.add(path, "must be an http or https URL, got %q", s)
	}
}

func checkEnum(p *problems, path, s string, allowed ...string) {
	if !slices.Contains(allowed, s) {
		p.add(path, "must be one of %s, got %q", strings.Join(allowed, ", "), s)
	}
}

func checkSeverity(p *problems, path, s string) {
	checkEnum(p, path, s, severityLevels...)
}

func checkSeverities(p *problems, path string, list []string) {
	if len(list) == 0 {
		p.add(path, "must not be empty")
	}
	for i, s := range list {
		ip := fmt.Sprintf("%s[%d]", path, i)
		if !slices.Contains(severityLevels, s) {
			checkSeverity(p, ip, s)
		} else if j := slices.Index(list[:i], s); j >= 0 {
			p.add(ip, "duplicate of %s[%d]", lastKey(path), j)
		}
	}
}

func checkPositive(p *problems, path string, d Duration) {
	if d <= 0 {
		p.add(path, "must be greater than zero")
	}
}

// Bounds of max_response_bytes: a page of either API must fit (a Jira search
// page with embedded changelogs reaches a few MiB), and one response must not
// be allowed to take the memory of the host.
const (
	MinResponseBytes ByteSize = 1 << 20
	MaxResponseBytes ByteSize = 4 << 30
)

func checkResponseLimit(p *problems, path string, v ByteSize) {
	if v < MinResponseBytes || v > MaxResponseBytes {
		p.add(path, "must be between %s and %s, got %s", MinResponseBytes, MaxResponseBytes, v)
	}
}

func checkRange(p *problems, path string, v, lo, hi int, loName string) {
	if v < lo || v > hi {
		if loName == "" {
			loName = strconv.Itoa(lo)
		}
		p.add(path, "must be between %s and %d, got %d", loName, hi, v)
	}
}

func checkTimeZone(p *problems, path, tz string) {
	if tz == "" {
		return
	}
	if _, err := time.LoadLocation(tz); err != nil {
		p.add(path, "unknown time zone %q", tz)
	}
}

// validHostPort checks host:port; listen allows an empty host and port 0.
func validHostPort(s string, listen bool) bool {
	host, port, err := net.SplitHostPort(s)
	if err != nil || (host == "" && !listen) {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n <= 65535 && (n > 0 || listen && n == 0)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
