package jira

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aftermath-sre/aftermath/domain"
	"github.com/aftermath-sre/aftermath/ingest"
)

// Raw document kinds: the issue as search served it, and the complete
// changelog of an issue whose embedded one was truncated.
const (
	rawIssue     = "issue"
	rawChangelog = "changelog"
)

var _ ingest.Reextractor = (*Ingester)(nil)

// ReextractRun converts every stored raw issue into a postmortem or an action
// item again, with the current mapping and options, and stores them; it makes
// no request and leaves the raw documents and the checkpoints as they are.
//
// Which query served an issue is not stored, so its issue type decides: an
// issue of Options.PostmortemIssueType is a postmortem, any other an action
// item (what the default queries select). The statuses' categories come from
// the metadata a sync cached; without it the re-extraction fails, asking for
// a sync first.
func (in *Ingester) ReextractRun(ctx context.Context, run *ingest.Run) error {
	in.run = run
	defer func() { in.run = nil }()
	in.resetUnknown()
	defer in.reportUnknown()
	if err := in.loadCachedStatuses(ctx); err != nil {
		return err
	}
	changelogs := map[string][]apiHistory{}
	err := run.RawDocuments(ctx, rawChangelog, func(docs []domain.RawDocument) error {
		for _, d := range docs {
			var hs []apiHistory
			if err := json.Unmarshal(d.Body, &hs); err != nil {
				in.log.Warn("ignoring a stored changelog that does not decode", "key", d.ID, "err", err)
				continue
			}
			changelogs[d.ID] = hs
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("jira: read stored changelogs: %w", err)
	}
	return run.RawDocuments(ctx, rawIssue, func(docs []domain.RawDocument) error {
		var b batch
		for _, d := range docs {
			in.reextractIssue(d, changelogs, &b)
		}
		if err := in.store(ctx, &b); err != nil {
			return fmt.Errorf("jira: re-extract: %w", err)
		}
		return nil
	})
}

// reextractIssue maps one stored issue into b, or counts and logs why not.
func (in *Ingester) reextractIssue(d domain.RawDocument, changelogs map[string][]apiHistory, b *batch) {
	var is apiIssue
	if err := jsonUnmarshal(d.Body, &is); err != nil {
		in.skip(kindActionItem, d.ID, skipUndecodable, fmt.Errorf("decode stored issue: %w", err))
		return
	}
	kind := kindActionItem
	var typ apiNamed
	if raw, ok := is.Fields["issuetype"]; ok && json.Unmarshal(raw, &typ) == nil && strings.EqualFold(typ.Name, in.opts.PostmortemIssueType) {
		kind = kindPostmortem
	}
	var hs []apiHistory
	if is.Changelog != nil {
		hs = is.Changelog.Histories
	}
	if is.Changelog.truncated() {
		full, ok := changelogs[is.Key]
		if !ok {
			in.skip(kind, is.Key, skipChangelog, errors.New("its changelog was truncated and the complete one is not stored"))
			return
		}
		hs = full
	}
	sorted, err := sortHistories(hs)
	if err != nil {
		in.skip(kind, is.Key, skipChangelog, err)
		return
	}
	m, err := in.mapIssue(kind, &is, sorted, d.Body, d.FetchedAt)
	if err != nil {
		in.skip(kind, is.Key, skipUnmappable, err)
		return
	}
	if m.pm != nil {
		b.pms = append(b.pms, *m.pm)
	}
	if m.ai != nil {
		b.ais = append(b.ais, *m.ai)
	}
}

// loadCachedStatuses applies the statuses a sync cached, without fetching.
func (in *Ingester) loadCachedStatuses(ctx context.Context) error {
	for _, it := range in.metaItems() {
		if it.name != "meta.statuses" {
			continue
		}
		e, ok, err := in.loadMeta(ctx, it)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("jira: no cached %s to re-extract with: run a sync first", it.what)
		}
		if err := it.apply(e.Value); err != nil {
			return fmt.Errorf("jira: cached %s: %w", it.what, err)
		}
		return nil
	}
	return errors.New("jira: no statuses metadata item")
}
