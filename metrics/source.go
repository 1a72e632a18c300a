package metrics

import "fmt"

// Source is an ingest source, by its name: the one its rows carry in the
// store and its log lines in their source attribute, and the <source> of its
// families, aftermath_<source>_... . Each source has every SourceFamily, and
// some have families of their own (JiraSkippedIssuesTotal, ...).
type Source string

// The ingest sources.
const (
	SourcePagerDuty Source = "pagerduty"
	SourceJira      Source = "jira"
)

// sourceSpec is what a source's SourceFamily help texts say of it.
type sourceSpec struct {
	source  Source
	display string // how the help texts call the source
	tables  string // the values of records_stored_total's table label
	// help holds the help texts of the source's families that are worded
	// otherwise than the default.
	help map[SourceFamily]string
}

// sources are the ingest sources, in the order of their families' values.
var sources = [...]sourceSpec{
	{SourcePagerDuty, "PagerDuty", "incident, timeline_event, raw_document", map[SourceFamily]string{
		UnknownEnumValuesTotal: "Enum values PagerDuty sent that Aftermath does not know (stored as unknown or other), by field.",
		DecodeRetriesTotal:     "Responses fetched again because their body could not be read or decoded.",
	}},
	{SourceJira, "Jira", "postmortem, factor, action_item, transition, raw_document", map[SourceFamily]string{
		UnmappedRecordsTotal: "Jira records skipped (or, for descriptions, stored without their content) because they could not be mapped, by kind.",
	}},
}

// Sources returns every ingest source, in catalogue order.
func Sources() []Source {
	out := make([]Source, len(sources))
	for i, s := range sources {
		out[i] = s.source
	}
	return out
}

// index is s's position in sources, or -1.
func (s Source) index() int {
	for i, src := range sources {
		if src.source == s {
			return i
		}
	}
	return -1
}

// Display is how people call the source ("PagerDuty"); the source's name
// itself when it is not catalogued.
func (s Source) Display() string {
	if i := s.index(); i >= 0 {
		return sources[i].display
	}
	return string(s)
}

// Valid reports whether s is a catalogued source.
func (s Source) Valid() bool { return s.index() >= 0 }

// Families returns the source's families, those of every SourceFamily and
// its own, sorted by name.
func (s Source) Families() []Family {
	var out []Family
	for _, f := range By(ByIngest) {
		if f.Source() == s {
			out = append(out, f)
		}
	}
	return out
}

// SourceFamily is a family that every ingest source has, with the same
// type and labels: the source's own is SourceFamily.For(source), named
// aftermath_<source>_<name> (e.g. aftermath_jira_records_stored_total), with
// a help that names the source.
type SourceFamily uint8

// The families of every source, kept by the shared ingest loop and the
// sources.
const (
	_ SourceFamily = iota
	// RecordsStoredTotal: records_stored_total{table}.
	RecordsStoredTotal
	// UnmappedRecordsTotal: unmapped_records_total{kind}.
	UnmappedRecordsTotal
	// UnknownEnumValuesTotal: unknown_enum_values_total{field}.
	UnknownEnumValuesTotal
	// DecodeRetriesTotal: decode_retries_total.
	DecodeRetriesTotal
	// SyncErrorsTotal: sync_errors_total.
	SyncErrorsTotal
	// LastSuccessTimestampSeconds: last_success_timestamp_seconds.
	LastSuccessTimestampSeconds
	// SyncDurationSeconds: sync_duration_seconds.
	SyncDurationSeconds

	numSourceFamilies
)

// sourceFamilySpecs are the SourceFamily families; help words the default
// help text of a source's family.
var sourceFamilySpecs = [numSourceFamilies]struct {
	name   string // after aftermath_<source>_
	labels []string
	typ    Type
	help   func(sourceSpec) string
}{
	RecordsStoredTotal: {"records_stored_total", labels("table"), Counter, func(s sourceSpec) string {
		return fmt.Sprintf("Rows stored by the %s ingester, by table (%s).", s.display, s.tables)
	}},
	UnmappedRecordsTotal: {"unmapped_records_total", labels("kind"), Counter, func(s sourceSpec) string {
		return s.display + " records skipped because they could not be mapped, by kind."
	}},
	UnknownEnumValuesTotal: {"unknown_enum_values_total", labels("field"), Counter, func(s sourceSpec) string {
		return "Values " + s.display + " sent that Aftermath does not know (stored as unknown), by field."
	}},
	DecodeRetriesTotal: {"decode_retries_total", nil, Counter, func(sourceSpec) string {
		return "Responses fetched again because their body could not be decoded."
	}},
	SyncErrorsTotal: {"sync_errors_total", nil, Counter, func(s sourceSpec) string {
		return s.display + " syncs that failed."
	}},
	LastSuccessTimestampSeconds: {"last_success_timestamp_seconds", nil, Gauge, func(s sourceSpec) string {
		return "When the last successful " + s.display + " sync finished (Unix time)."
	}},
	SyncDurationSeconds: {"sync_duration_seconds", nil, Gauge, func(s sourceSpec) string {
		return "How long the last " + s.display + " sync took."
	}},
}

// Valid reports whether k is a SourceFamily.
func (k SourceFamily) Valid() bool { return k > 0 && k < numSourceFamilies }

// For is source s's family of kind k; the zero Family (not Valid) when s is
// not a catalogued source or k not a SourceFamily.
func (k SourceFamily) For(s Source) Family {
	i := s.index()
	if i < 0 || !k.Valid() {
		return 0
	}
	return sourceFamily(i, k)
}

// sourceFamily is the family of kind k of sources[i].
func sourceFamily(i int, k SourceFamily) Family {
	return numFixed + Family(i)*Family(numSourceFamilies-1) + Family(k-1)
}

// spec is the spec of the source's family of kind k.
func (s sourceSpec) spec(k SourceFamily) spec {
	fs := sourceFamilySpecs[k]
	help, ok := s.help[k]
	if !ok {
		help = fs.help(s)
	}
	return spec{name: string(s.source) + "_" + fs.name, of: string(s.source), labels: fs.labels, help: help, typ: fs.typ, by: ByIngest}
}
