-- 0003_wide_counts: counts and ordinals were UInt16 and wrapped at 65,535
-- (a postmortem's factor count and its factors' ordinals, its action-item
-- rows, an item's reopen count and transition sequence). They become UInt32.
--
-- A column that is not part of a table's sorting key is widened in place;
-- MODIFY COLUMN to the type a column already has is a no-op, so re-running
-- is safe.
ALTER TABLE {{.DB}}.postmortems {{.OnCluster}} MODIFY COLUMN factor_count UInt32;
ALTER TABLE {{.DB}}.postmortems {{.OnCluster}} MODIFY COLUMN action_item_rows UInt32;
ALTER TABLE {{.DB}}.action_items {{.OnCluster}} MODIFY COLUMN reopen_count UInt32;

-- A sorting-key column cannot change type in place (18.16: "ALTER of key
-- column ordinal must be metadata-only"). REBUILD is not ClickHouse SQL: the
-- migrator creates <table>__rebuild with the CREATE statement that follows,
-- copies every row into it, swaps the two tables and drops the old one. Each
-- step is checked before it runs, so an interrupted rebuild is finished by
-- the next run (see Store.rebuild).
REBUILD {{.DB}}.contributing_factors FROM
CREATE TABLE IF NOT EXISTS {{.DB}}.contributing_factors__rebuild {{.OnCluster}} (
    postmortem_key        String,
    ordinal               UInt32,
    name                  String,
    text                  String,
    postmortem_created_at DateTime('UTC'),
    version               UInt64
) ENGINE = {{replacing "version"}}
PARTITION BY toYYYYMM(postmortem_created_at)
ORDER BY (postmortem_key, ordinal);

REBUILD {{.DB}}.action_item_transitions FROM
CREATE TABLE IF NOT EXISTS {{.DB}}.action_item_transitions__rebuild {{.OnCluster}} (
    item_key        String,
    history_id      String,
    seq             UInt32,
    at              DateTime('UTC'),
    author_id       String,
    field           String,
    from_value      String,
    from_string     String,
    to_value        String,
    to_string       String,
    item_created_at DateTime('UTC'),
    version         UInt64
) ENGINE = {{replacing "version"}}
PARTITION BY toYYYYMM(item_created_at)
ORDER BY (item_key, history_id, seq);

REBUILD {{.DB}}.factor_themes FROM
CREATE TABLE IF NOT EXISTS {{.DB}}.factor_themes__rebuild {{.OnCluster}} (
    run_id         String,
    computed_at    DateTime('UTC'),
    postmortem_key String,
    ordinal        UInt32,
    theme_id       String
) ENGINE = {{mergetree}}
PARTITION BY toYYYYMM(computed_at)
ORDER BY (run_id, postmortem_key, ordinal);
