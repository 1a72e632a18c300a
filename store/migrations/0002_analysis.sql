-- 0002_analysis: what analysis runs store beyond the numbers of
-- analysis_results. Every row carries its run_id; readers take the latest
-- successful run from analysis_runs, so a run that failed half-way is never
-- read. All statements are idempotent (IF NOT EXISTS).

-- Items the digest lists: language findings (with their sentence and why),
-- highlights quoted from published postmortems, oldest open action items,
-- recurring incident groups, theme summaries and changes, overdue
-- postmortems. kind says which; field_names/field_values carry the details
-- (see analyze.ItemKind* for the fields of each kind).
CREATE TABLE IF NOT EXISTS {{.DB}}.analysis_items {{.OnCluster}} (
    run_id       String,
    computed_at  DateTime('UTC'),
    analysis     String,
    kind         String,
    period       String,
    key          String,
    team         String,
    service      String,
    rank         UInt32,
    field_names  Array(String),
    field_values Array(String),
    value        Float64
) ENGINE = {{mergetree}}
PARTITION BY toYYYYMM(computed_at)
ORDER BY (run_id, analysis, kind, period, rank, key);

-- The contributing-factor themes of a run, with the persisted sparse
-- centroid that the next run matches new clusters against, so theme ids stay
-- stable from run to run.
CREATE TABLE IF NOT EXISTS {{.DB}}.themes {{.OnCluster}} (
    run_id              String,
    computed_at         DateTime('UTC'),
    theme_id            String,
    label               String,
    top_terms           Array(String),
    families            Array(String),
    representative      String,
    representative_text String,
    size                UInt32,
    centroid_terms      Array(String),
    centroid_weights    Array(Float64)
) ENGINE = {{mergetree}}
PARTITION BY toYYYYMM(computed_at)
ORDER BY (run_id, theme_id);

-- The theme of every contributing factor in a run (for the next run's
-- matching and for drill-downs).
CREATE TABLE IF NOT EXISTS {{.DB}}.factor_themes {{.OnCluster}} (
    run_id         String,
    computed_at    DateTime('UTC'),
    postmortem_key String,
    ordinal        UInt16,
    theme_id       String
) ENGINE = {{mergetree}}
PARTITION BY toYYYYMM(computed_at)
ORDER BY (run_id, postmortem_key, ordinal);
