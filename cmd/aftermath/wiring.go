package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aftermath-sre/aftermath/config"
	"github.com/aftermath-sre/aftermath/digest"
	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chserver"
)

// openStore connects to the configured ClickHouse, or starts the managed local
// server when no address is configured. close stops what it started.
func (a *app) openStore(ctx context.Context) (st *store.Store, closeFn func(), err error) {
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	ch := cfg.ClickHouse
	addrs := ch.Addresses
	var srv *chserver.Server
	if ch.ManagedLocal() {
		srv, err = chserver.Start(ctx, chserver.Options{
			Binary:       ch.Managed.Binary,
			StateDir:     ch.Managed.StateDir,
			StartTimeout: ch.Managed.StartTimeout.D(),
			Logger:       a.logger.With("component", "managed-clickhouse"),
		})
		if err != nil {
			return nil, nil, fmt.Errorf("managed clickhouse: %w", err)
		}
		addrs = []string{srv.Addr()}
		a.managed = srv
	}
	st, err = store.Open(ctx, store.Options{
		Addresses:   addrs,
		Database:    ch.Database,
		Username:    ch.Username,
		Password:    ch.Password.Reveal(),
		Cluster:     ch.Cluster,
		DialTimeout: ch.DialTimeout.D(),
		Logger:      a.logger.With("component", "store"),
	})
	if err != nil {
		if srv != nil {
			srv.Stop()
		}
		var uc *store.UnknownClusterError
		if errors.As(err, &uc) {
			return nil, nil, usagef("clickhouse.cluster: %w", uc)
		}
		return nil, nil, err
	}
	return st, func() {
		st.Close()
		if srv != nil {
			srv.Stop()
		}
	}, nil
}

// openMigratedStore opens the store as openStore does and applies the
// pending migrations, returning what they did; on an error nothing is left
// open. migrate, ingest, analyze and demo start with it; digest, which only
// reads, checks the schema instead, and serve, which may serve while a
// migration waits for a cluster node, migrates itself.
func (a *app) openMigratedStore(ctx context.Context) (st *store.Store, res store.MigrateResult, closeFn func(), err error) {
	st, closeFn, err = a.openStore(ctx)
	if err != nil {
		return nil, res, nil, err
	}
	if res, err = st.Migrate(ctx); err != nil {
		closeFn()
		return nil, res, nil, err
	}
	return st, res, closeFn, nil
}

// enabledSourceNames are the names of the sources the config enables, in
// sync order, without building them (nor reading their credentials).
func enabledSourceNames(cfg *config.Config) []string {
	var names []string
	for _, k := range sourceKinds {
		if k.enabled(cfg) {
			names = append(names, k.name)
		}
	}
	return names
}

// sourceSyncs tells the digest when each of the named sources first synced
// successfully after a month ended, from the store's ingest runs.
func sourceSyncs(st *store.Store, names []string) digest.SourceSyncs {
	return func(ctx context.Context, since time.Time) (map[string]time.Time, error) {
		return st.FirstSyncsSince(ctx, names, since)
	}
}
