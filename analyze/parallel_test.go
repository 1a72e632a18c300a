package analyze

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestInParallel: the lanes run at once; the first to fail cancels the
// others and its error, not the cancellation it caused, is returned.
func TestInParallel(t *testing.T) {
	ctx := context.Background()
	require.NoError(t, inParallel(ctx, func(context.Context) error { return nil }, func(context.Context) error { return nil }))

	// Both lanes must be running for either to finish: they run at once.
	started := make(chan struct{}, 2)
	both := func(ctx context.Context) error {
		started <- struct{}{}
		for len(started) < 2 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Millisecond):
			}
		}
		return nil
	}
	bounded, cancel := context.WithTimeout(ctx, 10*time.Second) // run one after the other, they would time out
	defer cancel()
	require.NoError(t, inParallel(bounded, both, both))

	boom := errors.New("boom")
	var other error
	err := inParallel(ctx, func(context.Context) error {
		return boom
	}, func(ctx context.Context) error {
		<-ctx.Done()
		other = ctx.Err()
		return other
	})
	require.ErrorIs(t, err, boom)
	require.ErrorIs(t, other, context.Canceled, "the failure cancels the other lane")
}
