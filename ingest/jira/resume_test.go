package jira_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/ingest/jira"
	simjira "github.com/aftermath-sre/aftermath/simulate/jira"
	"github.com/aftermath-sre/aftermath/simulate/org"
	"github.com/aftermath-sre/aftermath/store"
)

var errKilled = errors.New("killed")

// killingTransport cancels the sync when its n-th request goes out, as if
// the process died mid-request.
type killingTransport struct {
	next   http.RoundTripper
	n      int64
	seen   atomic.Int64
	cancel context.CancelFunc
}

func (k *killingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if k.seen.Add(1) == k.n {
		k.cancel()
		return nil, errKilled
	}
	return k.next.RoundTrip(r)
}

// killingStore fails its n-th write and cancels the sync, as if the process
// died between two writes.
type killingStore struct {
	jira.Store
	n      int64
	seen   atomic.Int64
	cancel context.CancelFunc
}

func (k *killingStore) hit() error {
	if k.seen.Add(1) == k.n {
		k.cancel()
		return errKilled
	}
	return nil
}

func (k *killingStore) UpsertRaw(ctx context.Context, d []store.RawDocument) error {
	if err := k.hit(); err != nil {
		return err
	}
	return k.Store.UpsertRaw(ctx, d)
}

func (k *killingStore) UpsertPostmortems(ctx context.Context, p []store.Postmortem) error {
	if err := k.hit(); err != nil {
		return err
	}
	return k.Store.UpsertPostmortems(ctx, p)
}

func (k *killingStore) UpsertActionItems(ctx context.Context, a []store.ActionItem) error {
	if err := k.hit(); err != nil {
		return err
	}
	return k.Store.UpsertActionItems(ctx, a)
}

func (k *killingStore) SetCheckpoint(ctx context.Context, source, name, value string) error {
	if err := k.hit(); err != nil {
		return err
	}
	return k.Store.SetCheckpoint(ctx, source, name, value)
}

// TestKillAndResumeLosesNothing kills 24 syncs at random points (requests
// and store writes) while the simulated clock moves forward, each time
// resuming with a new ingester on the same store, then checks the final
// state against the ground truth. There is no overlap, so a checkpoint that
// ran ahead of the stored rows would lose them.
func TestKillAndResumeLosesNothing(t *testing.T) {
	t.Parallel()
	o := generated(t, org.ScaleTiny)
	e := newEnv(t, o, simjira.Options{})
	rng := rand.New(rand.NewPCG(42, 7))
	start := o.End.Add(-12 * 24 * time.Hour)
	const kills = 24
	killed := 0
	for i := 0; killed < kills; i++ {
		require.Less(t, i, 100, "kills keep missing")
		e.clock.Set(start.Add(time.Duration(i) * 6 * time.Hour))
		ctx, cancel := context.WithCancel(context.Background())
		viaStore := i%3 == 2
		in := e.ingester(func(op *jira.Options) {
			op.Overlap = -1
			op.PageSize = 15
			op.BatchSize = 20 // a checkpoint every two pages
			if viaStore {
				op.Store = &killingStore{Store: e.st, n: 1 + rng.Int64N(6), cancel: cancel}
			} else {
				op.HTTPClient = &http.Client{Transport: &killingTransport{next: http.DefaultTransport, n: 1 + rng.Int64N(8), cancel: cancel}}
			}
		})
		_, err := in.Sync(ctx)
		cancel()
		if err != nil {
			killed++
			require.True(t, errors.Is(err, errKilled) || errors.Is(err, context.Canceled), "iteration %d: %v", i, err)
		}
	}
	e.clock.Set(o.End)
	e.sync(e.ingester(func(op *jira.Options) { op.Overlap = -1 }))
	requireTruth(t, e.st, groundTruth(t, e, e.options(), o.End))
}
