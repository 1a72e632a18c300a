package pagerduty

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aftermath-sre/aftermath/domain"
)

// The forward checkpoints ("log_entries", "incidents") only move forward.
// The history checkpoints let a later, earlier BackfillStart extend what is
// stored backwards:
//
//   - "history_start" is where the forward walks started: log entries and
//     incidents created from it up to the forward checkpoints are stored.
//     The first sync records BackfillStart; a sync that extends the history
//     moves it earlier once the gap is stored. It never moves later.
//   - "history_from" is the start of the gap being filled, [history_from,
//     history_start), written before its first request. A gap is in flight
//     while history_from is before history_start.
//   - "history_log_entries" and "history_incidents" are how far the gap's
//     walks have stored, as the forward checkpoints are for theirs. A value
//     outside [history_from, history_start] was left by an earlier gap and
//     means nothing was stored of this one yet.
const (
	checkpointHistoryStart      = "history_start"
	checkpointHistoryFrom       = "history_from"
	checkpointHistoryLogEntries = "history_log_entries"
	checkpointHistoryIncidents  = "history_incidents"
)

// historyStart reads the history_start checkpoint, recording it when it
// does not exist yet: the backfill start for a first sync (no forward
// checkpoint), else, for an install that synced before this checkpoint
// existed, the earliest of the forward checkpoints and of the stored
// incidents' created_at. That is never earlier than where the first
// backfill really started, so at worst an extension fetches again a little
// of what is stored (upserts are idempotent); it never leaves a gap.
func (in *Ingester) historyStart(ctx context.Context, r *run, backfill time.Time, forward []time.Time) (time.Time, error) {
	h, ok, err := r.TimeCheckpoint(ctx, checkpointHistoryStart, time.Time{})
	if err != nil || ok {
		return h, err
	}
	if len(forward) == 0 {
		if err := r.SetTimeCheckpoint(ctx, checkpointHistoryStart, backfill); err != nil {
			return time.Time{}, err
		}
		return backfill, nil
	}
	h = forward[0]
	for _, t := range forward[1:] {
		if t.Before(h) {
			h = t
		}
	}
	basis := "checkpoint"
	first, ok, err := in.earliestStoredIncident(ctx, r)
	if err != nil {
		return time.Time{}, err
	}
	if ok && first.Before(h) {
		h, basis = first, "earliest stored incident"
	}
	if err := r.SetTimeCheckpoint(ctx, checkpointHistoryStart, h); err != nil {
		return time.Time{}, err
	}
	in.log.Info("recorded where the stored history starts", "history_start", h, "from", basis)
	return h, nil
}

// earliestStoredIncident is the earliest created_at of the incidents whose
// raw documents this source stored; ok is false when there are none. It
// reads every stored incident document, once per install (historyStart
// records the result).
func (in *Ingester) earliestStoredIncident(ctx context.Context, r *run) (first time.Time, ok bool, err error) {
	err = r.RawDocuments(ctx, kindIncident, func(raws []domain.RawDocument) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, x := range raws {
			var v struct {
				CreatedAt string `json:"created_at"`
			}
			if json.Unmarshal(x.Body, &v) != nil {
				continue // counted when it was stored; re-extraction reports it
			}
			t, err := parseTime(v.CreatedAt)
			if err != nil {
				continue
			}
			if !ok || t.Before(first) {
				first, ok = t, true
			}
		}
		return nil
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("pagerduty: find the earliest stored incident: %w", err)
	}
	return first.Truncate(time.Second), ok, nil
}

// extendHistory fetches what BackfillStart asks for before the stored
// history: log entries and incidents created in [backfill, hist), walked
// and stored as the forward steps are, each walk's progress checkpointed
// after the rows it covers are stored, and history_start moved to the gap's
// start once both walks are done. A gap left in flight by a killed sync is
// resumed first, even when it starts before backfill (its start was asked
// for), unless backfill no longer asks for anything before hist.
func (in *Ingester) extendHistory(ctx context.Context, r *run, backfill, hist time.Time) error {
	// At most two gaps: the one in flight, then one from an earlier
	// backfill start.
	for range 2 {
		if !backfill.Before(hist) {
			return nil
		}
		from, ok, err := r.TimeCheckpoint(ctx, checkpointHistoryFrom, time.Time{})
		if err != nil {
			return err
		}
		if ok && from.Before(hist) {
			in.log.Info("resuming the extension of the history", "from", from, "to", hist)
		} else {
			from = backfill
			in.log.Info("extending the history", "from", from, "to", hist)
			if err := r.SetTimeCheckpoint(ctx, checkpointHistoryFrom, from); err != nil {
				return err
			}
		}
		if err := in.fillGap(ctx, r, from, hist); err != nil {
			return err
		}
		if err := r.SetTimeCheckpoint(ctx, checkpointHistoryStart, from); err != nil {
			return err
		}
		in.log.Info("history extended", "history_start", from)
		hist = from
	}
	return nil
}

// fillGap stores the log entries, then the incidents, created in [from, to),
// from where each walk's checkpoint says it stopped.
func (in *Ingester) fillGap(ctx context.Context, r *run, from, to time.Time) error {
	for _, step := range []struct {
		kind, checkpoint string
		store            func(ctx context.Context, items []doc) error
	}{
		{kindLogEntry, checkpointHistoryLogEntries, func(ctx context.Context, items []doc) error {
			return in.storeLogEntries(ctx, r, items, true)
		}},
		{kindIncident, checkpointHistoryIncidents, func(ctx context.Context, items []doc) error {
			return in.storeIncidents(ctx, r, items, nil, true)
		}},
	} {
		done, ok, err := r.TimeCheckpoint(ctx, step.checkpoint, from)
		if err != nil {
			return err
		}
		if !ok || done.Before(from) || done.After(to) {
			done = from // left by an earlier gap
		}
		if !done.Before(to) {
			continue
		}
		in.log.Debug("fetching history", "kind", step.kind, "since", done, "until", to)
		span := in.opts.InitialSpan
		err = in.walk(ctx, step.kind, done, to, &span, step.store, func(ctx context.Context, until time.Time) error {
			return r.SetTimeCheckpoint(ctx, step.checkpoint, until)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
