package org

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/postmortem"
)

var (
	orgCache   = map[string]*Org{}
	orgCacheMu sync.Mutex
)

// gen returns a cached org (tests must not modify it).
func genOrg(t testing.TB, seed int64, sc Scale) *Org {
	t.Helper()
	key := string(sc) + "/" + time.Duration(seed).String()
	orgCacheMu.Lock()
	defer orgCacheMu.Unlock()
	if o, ok := orgCache[key]; ok {
		return o
	}
	o, err := Generate(Options{Seed: seed, Scale: sc})
	require.NoError(t, err)
	orgCache[key] = o
	return o
}

func orgHash(t *testing.T, o *Org) string {
	t.Helper()
	b, err := json.Marshal(o)
	require.NoError(t, err)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func TestGenerateRejectsUnknownScale(t *testing.T) {
	_, err := Generate(Options{Seed: 1, Scale: "huge"})
	require.ErrorContains(t, err, `unknown scale "huge"`)
	_, err = ParseScale("huge")
	require.Error(t, err)
	sc, err := ParseScale("small")
	require.NoError(t, err)
	require.Equal(t, ScaleSmall, sc)
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, err := Generate(Options{Seed: 7, Scale: ScaleTiny})
	require.NoError(t, err)
	b, err := Generate(Options{Seed: 7, Scale: ScaleTiny})
	require.NoError(t, err)
	require.Equal(t, orgHash(t, a), orgHash(t, b))

	c, err := Generate(Options{Seed: 8, Scale: ScaleTiny})
	require.NoError(t, err)
	require.NotEqual(t, orgHash(t, a), orgHash(t, c), "different seeds must differ")

	end := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	d, err := Generate(Options{Seed: 7, Scale: ScaleTiny, End: end})
	require.NoError(t, err)
	require.Equal(t, end, d.End)
	require.NotEqual(t, orgHash(t, a), orgHash(t, d), "a different End must shift the history")
}

func TestGenerateDefaultsAndWindow(t *testing.T) {
	o := genOrg(t, 1, ScaleTiny)
	require.Equal(t, DefaultEnd(), o.End)
	require.Equal(t, o.End.Add(-30*24*time.Hour), o.Start)

	loc := time.FixedZone("X", 10*3600)
	end := time.Date(2025, 3, 1, 10, 0, 0, 500, loc)
	p, err := Generate(Options{Seed: 1, Scale: ScaleTiny, End: end})
	require.NoError(t, err)
	require.Equal(t, time.UTC, p.End.Location())
	require.Equal(t, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), p.End)
}

func TestCountsInRangePerScale(t *testing.T) {
	for _, tc := range []struct {
		scale                Scale
		teams, users, svcs   int
		minIncidents, maxInc int
	}{
		{ScaleTiny, 8, 60, 20, 170, 240},
		{ScaleSmall, 10, 100, 30, 1800, 2200},
	} {
		t.Run(string(tc.scale), func(t *testing.T) {
			o := genOrg(t, 1, tc.scale)
			require.Len(t, o.Teams, tc.teams)
			require.Len(t, o.Users, tc.users)
			require.Len(t, o.Services, tc.svcs)
			require.Len(t, o.EscalationPolicies, tc.teams)
			require.Len(t, o.Priorities, 5)
			require.GreaterOrEqual(t, len(o.Incidents), tc.minIncidents)
			require.LessOrEqual(t, len(o.Incidents), tc.maxInc)
			require.NotEmpty(t, o.Postmortems)
			require.NotEmpty(t, o.ActionItems)
			require.Len(t, o.Themes, len(themeCatalog))
			for _, th := range []string{"config-change", "missing-tests", "capacity", "dependency-failure", "monitoring-gap",
				"deploy-process", "expired-certificate", "time-pressure", "unclear-runbook", "database-migration", "network-partition", "retry-storm"} {
				require.NotNil(t, o.ThemeByID(th), th)
			}
		})
	}
}

func TestIDsAreUniqueAndWellFormed(t *testing.T) {
	o := genOrg(t, 1, ScaleSmall)
	pdID := regexp.MustCompile(`^[PQR][0-9A-Z]{6}$`)
	acct := regexp.MustCompile(`^[0-9a-f]{24}$`)
	seen := map[string]string{}
	add := func(kind, id string) {
		t.Helper()
		require.Regexp(t, pdID, id, kind)
		prev, dup := seen[id]
		require.False(t, dup, "%s id %s already used by a %s", kind, id, prev)
		seen[id] = kind
	}
	for _, x := range o.Teams {
		add("team", x.ID)
	}
	accounts := map[string]bool{}
	for _, x := range o.Users {
		add("user", x.ID)
		require.Regexp(t, acct, x.JiraAccountID)
		require.False(t, accounts[x.JiraAccountID])
		accounts[x.JiraAccountID] = true
		_, err := time.LoadLocation(x.TimeZone)
		require.NoError(t, err)
		require.Contains(t, x.Email, "@")
	}
	for _, x := range o.Services {
		add("service", x.ID)
	}
	for _, x := range o.EscalationPolicies {
		add("policy", x.ID)
	}
	for _, x := range o.Priorities {
		add("priority", x.ID)
	}
	for i := range o.Incidents {
		add("incident", o.Incidents[i].ID)
		for _, e := range o.Incidents[i].LogEntries {
			add("log entry", e.ID)
		}
	}
	jira := map[string]bool{}
	hist := map[string]bool{}
	for i := range o.Postmortems {
		p := &o.Postmortems[i]
		require.Equal(t, "PM-"+itoa(i+1), p.Key, "postmortem keys follow creation order")
		require.False(t, jira[p.ID], p.ID)
		jira[p.ID] = true
		for _, h := range p.Changelog {
			require.False(t, hist[h.ID])
			hist[h.ID] = true
		}
	}
	for i := range o.ActionItems {
		a := &o.ActionItems[i]
		require.Equal(t, "ACT-"+itoa(i+1), a.Key, "action item keys follow creation order")
		require.False(t, jira[a.ID], a.ID)
		jira[a.ID] = true
		for _, h := range a.Changelog {
			require.False(t, hist[h.ID])
			hist[h.ID] = true
		}
	}
}

func TestIncidentsSortedAndNumbered(t *testing.T) {
	o := genOrg(t, 1, ScaleSmall)
	for i := range o.Incidents {
		inc := &o.Incidents[i]
		if i > 0 {
			require.True(t, inc.CreatedAt.After(o.Incidents[i-1].CreatedAt), "creation times strictly increase")
		}
		require.Equal(t, i+1, inc.Number, "numbers follow creation order")
		require.False(t, inc.CreatedAt.Before(o.Start))
		require.True(t, inc.CreatedAt.Before(o.End))
		require.Equal(t, time.UTC, inc.CreatedAt.Location())
	}
	for i := 1; i < len(o.Postmortems); i++ {
		require.False(t, o.Postmortems[i].CreatedAt.Before(o.Postmortems[i-1].CreatedAt))
	}
	for i := 1; i < len(o.ActionItems); i++ {
		require.False(t, o.ActionItems[i].CreatedAt.Before(o.ActionItems[i-1].CreatedAt))
	}
}

func TestIncidentTimelinesMatchFields(t *testing.T) {
	o := genOrg(t, 1, ScaleSmall)
	known := map[string]bool{LogTrigger: true, LogNotify: true, LogAcknowledge: true, LogEscalate: true, LogAssign: true,
		LogAnnotate: true, LogUnack: true, LogResolve: true}
	for i := range o.Incidents {
		inc := &o.Incidents[i]
		es := inc.LogEntries
		require.NotEmpty(t, es, inc.ID)
		require.Equal(t, LogTrigger, es[0].Type, inc.ID)
		require.Equal(t, inc.CreatedAt, es[0].At, inc.ID)
		var acks, escs, assigns, notifies, resolves int
		var firstAck, resolved time.Time
		status := ""
		for k, e := range es {
			require.True(t, known[e.Type], e.Type)
			if k > 0 {
				require.True(t, e.At.After(es[k-1].At), "%s: entries strictly increasing", inc.ID)
			}
			require.True(t, e.At.Before(o.End))
			require.Zero(t, resolves, "%s: nothing after the resolve entry", inc.ID)
			switch e.AgentType {
			case AgentUser:
				require.NotNil(t, o.UserByID(e.AgentID), e.AgentID)
			case AgentService:
				require.Equal(t, inc.ServiceID, e.AgentID)
			case AgentEscalationPolicy:
				require.Equal(t, inc.EscalationPolicyID, e.AgentID)
			default:
				t.Fatalf("unknown agent type %q", e.AgentType)
			}
			require.NotEmpty(t, e.ChannelType)
			require.NotEmpty(t, e.Summary)
			status = nextStatus(status, e.Type)
			switch e.Type {
			case LogAcknowledge:
				acks++
				if firstAck.IsZero() {
					firstAck = e.At
				}
			case LogEscalate:
				escs++
				require.NotEmpty(t, e.AssigneeIDs)
				require.Positive(t, e.EscalationLevel)
			case LogAssign:
				assigns++
				require.Len(t, e.AssigneeIDs, 1)
				require.NotNil(t, o.UserByID(e.AssigneeIDs[0]))
			case LogNotify:
				notifies++
				require.NotNil(t, o.UserByID(e.UserID))
				require.Contains(t, []string{"sms_notification", "email_notification", "phone_notification", "push_notification"}, e.NotificationType)
			case LogAnnotate:
				require.NotEmpty(t, e.Note)
			case LogResolve:
				resolves++
				resolved = e.At
			case LogTrigger:
				require.Zero(t, k, "one trigger, first")
				require.NotEmpty(t, e.AssigneeIDs)
			}
		}
		require.Equal(t, status, inc.Status, inc.ID)
		require.Equal(t, firstAck, inc.AcknowledgedAt, inc.ID)
		require.Equal(t, resolved, inc.ResolvedAt, inc.ID)
		require.Equal(t, acks, inc.Acknowledgements, inc.ID)
		require.Equal(t, escs, inc.Escalations, inc.ID)
		require.Equal(t, assigns, inc.Reassignments, inc.ID)
		require.Equal(t, notifies, inc.Notifications, inc.ID)
		require.Equal(t, inc.ResolvedAt.IsZero(), inc.Status != StatusResolved)
		if inc.AutoResolved {
			require.Zero(t, acks)
			require.Equal(t, AgentService, es[len(es)-1].AgentType)
		}

		// Severity follows the default mapping.
		want := "SEV4"
		if inc.Urgency == "high" {
			want = "SEV3"
		}
		if inc.PriorityID != "" {
			p := o.PriorityByID(inc.PriorityID)
			require.NotNil(t, p)
			want = "SEV" + itoa(p.Order)
		}
		require.Equal(t, want, inc.Severity, inc.ID)
		require.Contains(t, []string{"high", "low"}, inc.Urgency)

		// Merges.
		require.Equal(t, inc.MergedInto != "", inc.ResolveReason == ResolveReasonMerge)
		if inc.MergedInto != "" {
			tgt := o.IncidentByID(inc.MergedInto)
			require.NotNil(t, tgt)
			require.Equal(t, inc.ServiceID, tgt.ServiceID)
			require.True(t, tgt.CreatedAt.Before(inc.CreatedAt))
			require.Empty(t, tgt.MergedInto, "merge targets are not merged themselves")
			require.Equal(t, StatusResolved, inc.Status)
			require.False(t, inc.AutoResolved)
			if !tgt.ResolvedAt.IsZero() {
				require.True(t, tgt.ResolvedAt.After(inc.ResolvedAt), "target still open at the merge")
			}
			require.Empty(t, inc.RecurrenceOf)
		}
		require.NotNil(t, o.ServiceByID(inc.ServiceID))
		require.Equal(t, o.ServiceByID(inc.ServiceID).TeamID, inc.TeamID)
	}
}

func TestIncidentDistributions(t *testing.T) {
	o := genOrg(t, 1, ScaleSmall)
	n := float64(len(o.Incidents))
	st := o.Stats()
	byPrio := map[string]int{}
	for i := range o.Incidents {
		byPrio[o.Incidents[i].PriorityID]++
	}
	share := func(x int) float64 { return float64(x) / n }
	p := func(order int) float64 { return share(byPrio[o.Priorities[order-1].ID]) }
	require.Positive(t, p(1), "some P1")
	require.Less(t, p(1), p(2), "P1 rarer than P2")
	require.Less(t, p(1)+p(2), 0.03, "major incidents (P1/P2) are rare")
	require.InDelta(t, 0.22, p(3), 0.05, "P3 share")
	require.InDelta(t, 0.40, share(byPrio[""]), 0.08, "no-priority share")
	require.InDelta(t, 0.07, share(st.MergedIncidents), 0.04, "merged share")
	require.InDelta(t, 0.2, share(st.AutoResolved), 0.08, "auto-resolved share")
	require.Greater(t, share(st.Escalated), 0.03)
	require.Greater(t, share(st.Reassigned), 0.02)
	require.Greater(t, share(st.Unacknowledged), 0.01)
	require.Positive(t, st.OpenIncidents, "some incidents are still open at End")
	require.Positive(t, st.Recurrences)
	require.Greater(t, float64(st.LogEntries)/n, 5.0, "log entries per incident")
}

func TestArrivalsHaveSeasonalityAndStorms(t *testing.T) {
	o := genOrg(t, 1, ScaleSmall)
	var weekday, weekend, peak, trough float64
	perSvcHour := map[string]int{}
	for i := range o.Incidents {
		c := o.Incidents[i].CreatedAt
		switch c.Weekday() {
		case time.Saturday, time.Sunday:
			weekend++
		default:
			weekday++
		}
		switch h := c.Hour(); {
		case h >= 13 && h < 17:
			peak++
		case h >= 1 && h < 5:
			trough++
		}
		perSvcHour[o.Incidents[i].ServiceID+c.Truncate(time.Hour).String()]++
	}
	require.Greater(t, (weekday/5)/(weekend/2), 1.4, "weekly seasonality")
	require.Greater(t, peak/trough, 2.0, "daily seasonality")
	maxBurst := 0
	for _, v := range perSvcHour {
		maxBurst = max(maxBurst, v)
	}
	require.GreaterOrEqual(t, maxBurst, 6, "incident storms on one service")
}

func quantile(xs []float64, q float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1))]
}

func TestResponseTimesAreHeavyTailedBySeverity(t *testing.T) {
	o := genOrg(t, 1, ScaleSmall)
	tta := map[string][]float64{}
	ttr := map[string][]float64{}
	for i := range o.Incidents {
		inc := &o.Incidents[i]
		if inc.MergedInto != "" || inc.AcknowledgedAt.IsZero() || inc.ResolvedAt.IsZero() || inc.Urgency != "high" {
			continue
		}
		tta[inc.Severity] = append(tta[inc.Severity], inc.AcknowledgedAt.Sub(inc.CreatedAt).Seconds())
		ttr[inc.Severity] = append(ttr[inc.Severity], inc.ResolvedAt.Sub(inc.CreatedAt).Seconds())
	}
	s3 := tta["SEV3"]
	require.Greater(t, len(s3), 200)
	require.Greater(t, quantile(s3, 0.95)/quantile(s3, 0.5), 3.5, "log-normal tail of time to acknowledge")
	require.Greater(t, quantile(ttr["SEV3"], 0.95)/quantile(ttr["SEV3"], 0.5), 3.5, "log-normal tail of time to resolve")
	require.Less(t, quantile(tta["SEV2"], 0.5), quantile(tta["SEV3"], 0.5)*1.2, "SEV2 acknowledged at least as fast as SEV3")
}

func TestRecurrenceGroundTruth(t *testing.T) {
	o := genOrg(t, 1, ScaleSmall)
	last := map[string]*Incident{}
	titles := 0
	for i := range o.Incidents {
		inc := &o.Incidents[i]
		require.NotEmpty(t, inc.Signature)
		if inc.MergedInto != "" {
			require.Empty(t, inc.RecurrenceOf)
			continue
		}
		want := ""
		if p := last[inc.Signature]; p != nil {
			want = p.ID
			if p.Title != inc.Title {
				titles++
			}
		}
		require.Equal(t, want, inc.RecurrenceOf, inc.ID)
		last[inc.Signature] = inc
		if inc.RecurrenceOf != "" {
			prev := o.IncidentByID(inc.RecurrenceOf)
			require.Equal(t, inc.ServiceID, prev.ServiceID)
			w := inc.CreatedAt.Sub(prev.CreatedAt)
			require.Equal(t, inc.RecurrenceOf, o.RecurrenceWithin(inc, w))
			require.Empty(t, o.RecurrenceWithin(inc, w-time.Second))
		}
	}
	require.Positive(t, titles, "repeats are near-duplicates, not identical titles")
}

func TestPostmortemCoverageAndLinks(t *testing.T) {
	o := genOrg(t, 1, ScaleSmall)
	covered := map[string]string{}
	near := 0
	for i := range o.Postmortems {
		p := &o.Postmortems[i]
		require.Equal(t, p.NearMiss, len(p.IncidentIDs) == 0, p.Key)
		if p.NearMiss {
			near++
			require.Contains(t, p.Labels, "near-miss")
		}
		for _, id := range p.IncidentIDs {
			inc := o.IncidentByID(id)
			require.NotNil(t, inc)
			require.Empty(t, covered[id], "%s covered by %s and %s", id, covered[id], p.Key)
			covered[id] = p.Key
			require.Empty(t, inc.MergedInto)
			require.False(t, inc.ResolvedAt.IsZero())
			require.True(t, inc.ResolvedAt.Before(p.CreatedAt), "draft after resolve")
			require.Equal(t, inc.ServiceID, p.ServiceID)
		}
		require.NotNil(t, o.TeamByID(p.TeamID))
		require.NotNil(t, o.ServiceByID(p.ServiceID))
		require.NotNil(t, o.UserByID(p.AuthorID))
		require.True(t, p.CreatedAt.Before(o.End))
	}
	require.Positive(t, near, "near misses")
	// Coverage among incidents resolved well before End.
	total := map[string]int{}
	with := map[string]int{}
	for i := range o.Incidents {
		inc := &o.Incidents[i]
		if inc.MergedInto != "" || inc.ResolvedAt.IsZero() || o.End.Sub(inc.ResolvedAt) < 25*24*time.Hour {
			continue
		}
		total[inc.Severity]++
		if covered[inc.ID] != "" {
			with[inc.Severity]++
		}
	}
	cov := func(s string) float64 { return float64(with[s]) / float64(total[s]) }
	require.Greater(t, cov("SEV1"), 0.85, "almost all SEV1")
	require.InDelta(t, 0.8, cov("SEV2"), 0.15, "most SEV2")
	require.InDelta(t, 0.12, cov("SEV3"), 0.07, "some SEV3")
	require.Less(t, cov("SEV4"), 0.05)
}

func TestPostmortemWorkflowAndLags(t *testing.T) {
	o := genOrg(t, 1, ScaleSmall)
	var lags []time.Duration
	published, neverLate := 0, 0
	for i := range o.Postmortems {
		p := &o.Postmortems[i]
		st := p.StateAt(o.End)
		require.Equal(t, st.Status, p.Status, p.Key)
		require.Equal(t, st.Labels, p.Labels, p.Key)
		require.Equal(t, st.UpdatedAt, p.UpdatedAt, p.Key)
		require.Contains(t, []string{PMDraft, PMInReview, PMPublished}, p.Status)
		require.Equal(t, p.Status == PMPublished, !p.PublishedAt.IsZero(), p.Key)
		if !p.PublishedAt.IsZero() {
			published++
			require.False(t, p.InReviewAt.IsZero())
			require.True(t, p.InReviewAt.Before(p.PublishedAt))
			require.Equal(t, p.PublishedAt, st.ResolvedAt)
		}
		prev := p.CreatedAt
		for _, h := range p.Changelog {
			require.True(t, h.At.After(prev))
			require.True(t, h.At.Before(o.End))
			require.NotNil(t, o.UserByAccountID(h.AuthorAccountID))
			prev = h.At
		}
		if !p.NearMiss {
			var last time.Time
			for _, id := range p.IncidentIDs {
				if r := o.IncidentByID(id).ResolvedAt; r.After(last) {
					last = r
				}
			}
			lags = append(lags, p.CreatedAt.Sub(last))
		}
		if p.Status != PMPublished && o.End.Sub(p.CreatedAt) > 60*24*time.Hour {
			neverLate++
		}
	}
	within2d := 0
	for _, l := range lags {
		if l <= 48*time.Hour {
			within2d++
		}
	}
	share := float64(within2d) / float64(len(lags))
	require.InDelta(t, 0.8, share, 0.1, "most drafts within 2 days of resolve, some late")
	require.Greater(t, float64(published)/float64(len(o.Postmortems)), 0.6)
	require.Positive(t, neverLate, "some postmortems never get published")
}

var blameMarkers = regexp.MustCompile(`(?i)should have|careless|human error|if [A-Z][a-z]+ had|had [A-Z][a-z]+ paid|failed to check|ignored the warnings|without checking it|because [A-Z][a-z]+ [A-Z][a-z]+ did not`)

func docProse(d *postmortem.Document) string {
	var b strings.Builder
	for _, s := range []string{d.Summary, d.Impact, d.Detection, d.WentWell, d.WentPoorly, d.Lucky, d.Lessons} {
		b.WriteString(s)
		b.WriteString("\n")
	}
	for _, f := range d.Factors {
		b.WriteString(f.Name + "\n" + f.Text + "\n")
	}
	return b.String()
}

func TestPostmortemDocuments(t *testing.T) {
	o := genOrg(t, 1, ScaleSmall)
	blaming, stated, renamed, missing, withDetection := 0, 0, 0, 0, 0
	for i := range o.Postmortems {
		p := &o.Postmortems[i]
		d := &p.Doc
		if d.Detection != "" {
			withDetection++
		}
		require.Equal(t, p.Title, d.Title)
		require.Len(t, p.FactorThemes, len(d.Factors), p.Key)
		require.NotEmpty(t, d.Factors)
		require.LessOrEqual(t, len(d.Factors), 6)
		seen := map[string]bool{}
		for k, f := range d.Factors {
			require.Equal(t, k+1, f.Ordinal)
			require.NotEmpty(t, f.Name)
			require.NotEmpty(t, f.Text)
			require.NotNil(t, o.ThemeByID(p.FactorThemes[k]))
			require.False(t, seen[p.FactorThemes[k]], "one factor per theme")
			seen[p.FactorThemes[k]] = true
		}
		// Action-item rows reference the postmortem's items.
		require.Len(t, d.ActionItems, len(p.ActionItemKeys))
		for k, row := range d.ActionItems {
			require.Equal(t, p.ActionItemKeys[k], row.Key)
			a := o.ActionItemByKey(row.Key)
			require.NotNil(t, a)
			require.Equal(t, a.Summary, row.Summary)
			require.Equal(t, a.Initial.Priority, row.Priority)
		}
		// Blame ground truth.
		prose := docProse(d)
		for _, s := range p.BlamingSentences {
			require.Contains(t, prose, s, p.Key)
			require.Regexp(t, blameMarkers, s)
		}
		if len(p.BlamingSentences) > 0 {
			blaming++
		} else {
			require.NotRegexp(t, blameMarkers, prose, "%s is blameless by construction", p.Key)
		}
		// Detection.
		require.Positive(t, p.TimeToDetect)
		if d.TimeToDetect > 0 {
			stated++
			require.Equal(t, p.TimeToDetect, d.TimeToDetect)
			require.Contains(t, d.Detection, "Time to detect: "+itoa(int(p.TimeToDetect/time.Minute))+"m")
		} else {
			require.NotContains(t, strings.ToLower(prose), "time to detect")
		}
		// Sections.
		names := map[string]bool{}
		for _, s := range d.Sections {
			if s.Name == "" {
				continue
			}
			require.False(t, names[s.Name], "%s: section %s twice", p.Key, s.Name)
			names[s.Name] = true
			require.Equal(t, s.Name, postmortem.CanonicalSection(s.Heading), "heading %q", s.Heading)
			if s.Heading != postmortem.DefaultHeading(s.Name) {
				renamed++
			}
		}
		require.True(t, names[postmortem.SectionContributingFactors])
		require.True(t, names[postmortem.SectionActionItems])
		if !names[postmortem.SectionLucky] {
			require.Empty(t, d.Lucky)
		}
		if !names[postmortem.SectionTimeline] {
			require.Empty(t, d.Timeline)
		}
		missing += len(d.Missing())
		for k, row := range d.Timeline {
			require.Equal(t, row.At.Format(timelineLayout), row.Time)
			if k > 0 {
				require.False(t, row.At.Before(d.Timeline[k-1].At))
			}
		}
	}
	n := float64(len(o.Postmortems))
	require.InDelta(t, blameShare, float64(blaming)/n, 0.06, "blaming share")
	require.InDelta(t, 0.85, float64(stated)/float64(withDetection), 0.06, "time to detect stated in most documents with a detection section")
	require.Positive(t, renamed, "some headings renamed")
	require.Positive(t, missing, "some sections missing")
}

func TestActionItemsReplayToFinalState(t *testing.T) {
	o := genOrg(t, 1, ScaleSmall)
	statuses := map[string]JiraStatus{}
	for _, s := range JiraStatuses() {
		statuses[s.Name] = s
	}
	prios := map[string]bool{"Highest": true, "High": true, "Medium": true, "Low": true, "Lowest": true}
	for i := range o.ActionItems {
		a := &o.ActionItems[i]
		pm := o.PostmortemByKey(a.PostmortemKey)
		require.NotNil(t, pm, a.Key)
		require.Contains(t, pm.ActionItemKeys, a.Key)
		require.Equal(t, pm.TeamID, a.TeamID)
		require.NotNil(t, o.ThemeByID(a.Theme))
		require.Contains(t, pm.FactorThemes, a.Theme)
		require.True(t, prios[a.Priority])
		require.Equal(t, statuses[a.Status].Category, a.StatusCategory)
		require.Equal(t, AIToDo, a.Initial.Status)
		require.False(t, a.CreatedAt.Before(pm.CreatedAt))

		// Walk the changelog checking every From against the state so far.
		cur := a.Initial
		prev := a.CreatedAt
		for _, h := range a.Changelog {
			require.True(t, h.At.After(prev), a.Key)
			require.True(t, h.At.Before(o.End))
			require.NotNil(t, o.UserByAccountID(h.AuthorAccountID), h.AuthorAccountID)
			prev = h.At
			for _, it := range h.Items {
				require.Equal(t, "jira", it.FieldType)
				require.Equal(t, it.Field, it.FieldID)
				switch it.Field {
				case "status":
					require.Equal(t, cur.Status, it.FromString)
					require.Equal(t, statuses[it.FromString].ID, it.From)
					require.Equal(t, statuses[it.ToString].ID, it.To)
					cur.Status = it.ToString
				case "assignee":
					if cur.AssigneeID == "" {
						require.Empty(t, it.From)
					} else {
						require.Equal(t, o.UserByID(cur.AssigneeID).JiraAccountID, it.From)
					}
					cur.AssigneeID = o.UserByAccountID(it.To).ID
				case "priority":
					require.Equal(t, cur.Priority, it.FromString)
					cur.Priority = it.ToString
				case "duedate":
					if cur.DueDate.IsZero() {
						require.Empty(t, it.From)
					} else {
						require.Equal(t, cur.DueDate.Format("2006-01-02"), it.From)
					}
					d, err := time.Parse("2006-01-02", it.To)
					require.NoError(t, err)
					require.Equal(t, it.To+" 00:00:00.0", it.ToString)
					cur.DueDate = d
				case "labels":
					require.Equal(t, strings.Join(cur.Labels, " "), it.FromString)
					cur.Labels = strings.Fields(it.ToString)
				default:
					t.Fatalf("unexpected field %q", it.Field)
				}
			}
		}
		require.Equal(t, cur.Status, a.Status, a.Key)
		require.Equal(t, cur.AssigneeID, a.AssigneeID, a.Key)
		require.Equal(t, cur.Priority, a.Priority, a.Key)
		require.True(t, cur.DueDate.Equal(a.DueDate), a.Key)
		require.Equal(t, cur.Labels, a.Labels, a.Key)
		if a.AssigneeID != "" {
			require.Equal(t, o.UserByID(a.AssigneeID).JiraAccountID, a.AssigneeAccountID)
		}
		if !a.DueDate.IsZero() {
			require.Equal(t, midnight(a.DueDate), a.DueDate, "due dates at UTC midnight")
		}
		require.Equal(t, a.StatusCategory == CategoryDone, !a.ResolvedAt.IsZero(), a.Key)
		want := a.CreatedAt
		if len(a.Changelog) > 0 {
			want = a.Changelog[len(a.Changelog)-1].At
		}
		require.Equal(t, want, a.UpdatedAt)
	}
}

func TestActionItemDistributions(t *testing.T) {
	o := genOrg(t, 1, ScaleSmall)
	st := o.Stats()
	n := float64(st.ActionItems)
	require.InDelta(t, vagueShare, float64(st.Vague)/n, 0.04, "vague share")
	require.InDelta(t, 0.10, float64(st.Unowned)/n, 0.05, "unowned share")
	require.InDelta(t, 0.20, float64(st.NoDueDate)/n, 0.06, "no due date share")
	require.Positive(t, st.Overdue)
	require.Positive(t, st.Reopened)
	require.Positive(t, st.BotChurn, "a few items have more than 100 histories")
	require.Positive(t, st.ActionItemsByStatus[AIWontDo])
	require.Positive(t, st.ActionItemsByStatus[AIDone])
	perPM := map[string]int{}
	for i := range o.ActionItems {
		perPM[o.ActionItems[i].PostmortemKey]++
	}
	zero := 0
	for i := range o.Postmortems {
		c := perPM[o.Postmortems[i].Key]
		require.LessOrEqual(t, c, 8)
		if c == 0 {
			zero++
		}
	}
	require.Positive(t, zero, "some postmortems have no action items")

	// Higher priority closes faster: median time to close of closed items.
	ttc := map[string][]float64{}
	for i := range o.ActionItems {
		a := &o.ActionItems[i]
		if a.Status == AIDone && a.Reopened == 0 {
			ttc[a.Initial.Priority] = append(ttc[a.Initial.Priority], a.ResolvedAt.Sub(a.CreatedAt).Hours())
		}
	}
	require.Less(t, quantile(ttc["Highest"], 0.5), quantile(ttc["Medium"], 0.5))
	require.Less(t, quantile(ttc["High"], 0.5), quantile(ttc["Low"], 0.5))

	// Some open items have had no activity for months.
	stale := 0
	for i := range o.ActionItems {
		a := &o.ActionItems[i]
		if a.StatusCategory != CategoryDone && o.End.Sub(a.UpdatedAt) > 45*24*time.Hour {
			stale++
		}
	}
	require.Positive(t, stale, "stale items")
}

func TestStateAtReplaysIncidents(t *testing.T) {
	o := genOrg(t, 1, ScaleTiny)
	var inc *Incident
	for i := range o.Incidents {
		c := &o.Incidents[i]
		if !c.AcknowledgedAt.IsZero() && !c.ResolvedAt.IsZero() && c.Reassignments == 0 {
			inc = c
			break
		}
	}
	require.NotNil(t, inc)
	s, a, r := inc.StateAt(inc.CreatedAt.Add(-time.Second))
	require.Empty(t, s)
	require.True(t, a.IsZero() && r.IsZero())
	s, _, _ = inc.StateAt(inc.CreatedAt)
	require.Equal(t, StatusTriggered, s)
	require.Equal(t, inc.LogEntries[0].AssigneeIDs, inc.AssigneesAt(inc.CreatedAt))
	s, a, r = inc.StateAt(inc.AcknowledgedAt)
	require.Equal(t, StatusAcknowledged, s)
	require.Equal(t, inc.AcknowledgedAt, a)
	require.True(t, r.IsZero())
	s, a, r = inc.StateAt(inc.ResolvedAt)
	require.Equal(t, StatusResolved, s)
	require.Equal(t, inc.ResolvedAt, r)
	require.Equal(t, inc.AcknowledgedAt, a)
	require.Empty(t, inc.AssigneesAt(inc.ResolvedAt))
	require.Len(t, inc.LogEntriesAt(inc.ResolvedAt), len(inc.LogEntries))
	require.Len(t, inc.LogEntriesAt(inc.CreatedAt), 1)
	require.Equal(t, inc.ResolvedAt, inc.LastStatusChangeAt(o.End))

	for i := range o.Incidents {
		c := &o.Incidents[i]
		s, a, r := c.StateAt(o.End)
		require.Equal(t, c.Status, s)
		require.Equal(t, c.AcknowledgedAt, a)
		require.Equal(t, c.ResolvedAt, r)
	}
}

func TestStateAtReplaysJiraIssues(t *testing.T) {
	o := genOrg(t, 1, ScaleSmall)
	var a *ActionItem
	for i := range o.ActionItems {
		if o.ActionItems[i].Reopened > 0 {
			a = &o.ActionItems[i]
			break
		}
	}
	require.NotNil(t, a, "a reopened item")
	require.Equal(t, ActionItemState{}, a.StateAt(a.CreatedAt.Add(-time.Second)))
	init := a.StateAt(a.CreatedAt)
	require.Equal(t, AIToDo, init.Status)
	require.Equal(t, a.Initial.Priority, init.Priority)
	require.Equal(t, a.CreatedAt, init.UpdatedAt)
	// Find the first done transition: resolved there, reopened later.
	var doneAt time.Time
	for _, h := range a.Changelog {
		if h.Items[0].Field == "status" && h.Items[0].ToString == AIDone {
			doneAt = h.At
			break
		}
	}
	require.False(t, doneAt.IsZero())
	st := a.StateAt(doneAt)
	require.Equal(t, AIDone, st.Status)
	require.Equal(t, CategoryDone, st.StatusCategory)
	require.Equal(t, doneAt, st.ResolvedAt)
	require.Zero(t, st.Reopened)
	require.Equal(t, a.Reopened, a.StateAt(o.End).Reopened)
	require.Len(t, ChangelogAt(a.Changelog, doneAt), slices.IndexFunc(a.Changelog, func(h History) bool { return h.At.Equal(doneAt) })+1)

	var p *Postmortem
	for i := range o.Postmortems {
		if !o.Postmortems[i].PublishedAt.IsZero() {
			p = &o.Postmortems[i]
			break
		}
	}
	require.NotNil(t, p)
	require.Equal(t, PMDraft, p.StateAt(p.CreatedAt).Status)
	require.Equal(t, PMInReview, p.StateAt(p.InReviewAt).Status)
	require.Equal(t, PMDraft, p.StateAt(p.InReviewAt.Add(-time.Second)).Status)
	pub := p.StateAt(p.PublishedAt)
	require.Equal(t, PMPublished, pub.Status)
	require.Equal(t, CategoryDone, pub.StatusCategory)
	require.Equal(t, p.PublishedAt, pub.ResolvedAt)
}

func TestLookupsReturnNilForUnknown(t *testing.T) {
	o := genOrg(t, 1, ScaleTiny)
	require.Nil(t, o.IncidentByID("QNOPE00"))
	require.Nil(t, o.PostmortemByKey("PM-0"))
	require.Nil(t, o.ActionItemByKey("ACT-0"))
	require.Nil(t, o.UserByID("x"))
	require.Nil(t, o.UserByAccountID(""))
	require.Nil(t, o.TeamByID("x"))
	require.Nil(t, o.ServiceByID("x"))
	require.Nil(t, o.EscalationPolicyByID("x"))
	require.Nil(t, o.PriorityByID("x"))
	require.Nil(t, o.ThemeByID("x"))
	require.Equal(t, &o.Automation, o.UserByAccountID(o.Automation.JiraAccountID))
	require.Zero(t, o.ThemeWeight("x", "capacity", o.End))
	require.Zero(t, o.ThemeWeight(o.Teams[0].ID, "x", o.End))

	require.Equal(t, &o.Incidents[3], o.IncidentByID(o.Incidents[3].ID))
	require.Equal(t, &o.Postmortems[0], o.PostmortemByKey("PM-1"))
	require.Equal(t, &o.ActionItems[0], o.ActionItemByKey("ACT-1"))
	require.Equal(t, &o.Users[5], o.UserByID(o.Users[5].ID))
	require.Equal(t, &o.Users[5], o.UserByAccountID(o.Users[5].JiraAccountID))
	ep := o.EscalationPolicyByID(o.Services[0].EscalationPolicyID)
	require.NotNil(t, ep)
	require.Equal(t, o.Services[0].TeamID, ep.TeamID)
}

func TestThemesDriftAndDifferByTeam(t *testing.T) {
	o := genOrg(t, 1, ScaleMedium)
	// The theme with the strongest drift appears in more (or fewer)
	// postmortems in the second half of the history than in the first.
	// Themes whose fixes hold become rarer on a service once its
	// postmortems' items are closed (Latent), so the drift alone is seen on
	// the others; the rate per postmortem is not changed by those drops.
	drift := ""
	best := 0.0
	for _, th := range o.Themes {
		if math.Abs(th.Trend) > math.Abs(best) && !o.Latent.FixHolds[th.ID] {
			best, drift = th.Trend, th.ID
		}
	}
	require.NotEmpty(t, drift)
	require.Greater(t, math.Abs(best), 0.5)
	require.Equal(t, best > 0, o.ThemeWeight(o.Teams[0].ID, drift, o.End) > o.ThemeWeight(o.Teams[0].ID, drift, o.Start))
	mid := o.Start.Add(o.End.Sub(o.Start) / 2)
	var first, second, n1, n2 float64
	for i := range o.Postmortems {
		p := &o.Postmortems[i]
		has := slices.Contains(p.FactorThemes, drift)
		if p.CreatedAt.Before(mid) {
			n1++
			if has {
				first++
			}
		} else {
			n2++
			if has {
				second++
			}
		}
	}
	t.Logf("theme %s (Trend %.2f): in %.3f of the postmortems of the first half, %.3f of the second", drift, best, first/n1, second/n2)
	require.Equal(t, best > 0, second/n2 > first/n1, "theme %s drifts (Trend %.2f)", drift, best)

	// Teams differ in their theme mix.
	w0 := o.ThemeWeight(o.Teams[0].ID, "capacity", mid) / o.ThemeWeight(o.Teams[0].ID, "config-change", mid)
	w1 := o.ThemeWeight(o.Teams[1].ID, "capacity", mid) / o.ThemeWeight(o.Teams[1].ID, "config-change", mid)
	require.NotEqual(t, w0, w1)
}

// TestTeamsDismissSomeFindings: about one in ten vague action items and
// blaming postmortems gets the dismiss label from a person, days after it
// was written; no specific item or blameless postmortem does.
func TestTeamsDismissSomeFindings(t *testing.T) {
	o := genOrg(t, 1, ScaleMedium)
	labeledAfter := func(changelog []History, created time.Time) bool {
		for _, h := range changelog {
			for _, it := range h.Items {
				if it.Field == "labels" && slices.Contains(strings.Fields(it.ToString), LabelDismissed) && !slices.Contains(strings.Fields(it.FromString), LabelDismissed) {
					require.GreaterOrEqual(t, h.At.Sub(created), 24*time.Hour)
					require.NotEqual(t, automationAccount, h.AuthorAccountID)
					return true
				}
			}
		}
		return false
	}
	// count returns how many issues with findings there are and how many
	// of them were dismissed; one without findings never is.
	type issue struct {
		key       string
		findings  bool
		labels    []string
		changelog []History
		created   time.Time
	}
	count := func(issues []issue) (n, dismissed int) {
		for _, is := range issues {
			has := slices.Contains(is.labels, LabelDismissed)
			if !is.findings {
				require.False(t, has, is.key)
				continue
			}
			n++
			if has {
				dismissed++
				require.True(t, labeledAfter(is.changelog, is.created), is.key)
			}
		}
		return n, dismissed
	}
	var items, pms []issue
	for _, a := range o.ActionItems {
		items = append(items, issue{a.Key, a.Vague, a.Labels, a.Changelog, a.CreatedAt})
	}
	for _, p := range o.Postmortems {
		pms = append(pms, issue{p.Key, len(p.BlamingSentences) > 0, p.Labels, p.Changelog, p.CreatedAt})
	}
	vague, dismissed := count(items)
	require.InDelta(t, 0.10, float64(dismissed)/float64(vague), 0.04, "%d of %d vague items", dismissed, vague)
	blaming, pmDismissed := count(pms)
	require.InDelta(t, 0.10, float64(pmDismissed)/float64(blaming), 0.06, "%d of %d blaming postmortems", pmDismissed, blaming)
}

// TestDismissalsFollowTheSeed: the simulator generates its org with the
// history ending when it starts; two starts with one seed dismiss the same
// issues' findings (the decision hashed the absolute creation time once).
func TestDismissalsFollowTheSeed(t *testing.T) {
	end := time.Date(2026, 12, 7, 19, 7, 13, 0, time.UTC)
	dismissed := func(end time.Time) []string {
		o, err := Generate(Options{Seed: 2, Scale: ScaleSmall, End: end})
		require.NoError(t, err)
		var keys []string
		for _, a := range o.ActionItems {
			if slices.Contains(a.Labels, LabelDismissed) {
				keys = append(keys, a.Key)
			}
		}
		for _, p := range o.Postmortems {
			if slices.Contains(p.Labels, LabelDismissed) {
				keys = append(keys, p.Key)
			}
		}
		return keys
	}
	first := dismissed(end)
	require.NotEmpty(t, first)
	require.Equal(t, first, dismissed(end.Add(2*time.Minute+17*time.Second)))
}
