-- 0001_core: the domain tables. Every statement is idempotent (IF NOT EXISTS)
-- so that a migration interrupted half-way is finished by the next run.
-- {{.DB}}, {{.OnCluster}} and {{replacing "version"}} are filled in by the
-- migrator, so that a cluster mode (ON CLUSTER, Replicated engines) changes
-- the rendering and not the files.

CREATE TABLE IF NOT EXISTS {{.DB}}.raw_documents {{.OnCluster}} (
    source      String,
    kind        String,
    id          String,
    fetched_at  DateTime('UTC'),
    body        String,
    version     UInt64
) ENGINE = {{replacing "version"}}
PARTITION BY source
ORDER BY (source, kind, id);

CREATE TABLE IF NOT EXISTS {{.DB}}.incidents {{.OnCluster}} (
    source                String,
    id                    String,
    number                UInt64,
    title                 String,
    url                   String,
    incident_key          String,
    service_id            String,
    service_name          String,
    team_id               String,
    team_name             String,
    escalation_policy_id  String,
    priority              String,
    urgency               String,
    severity              String,
    status                String,
    created_at            DateTime('UTC'),
    acknowledged_at       Nullable(DateTime('UTC')),
    resolved_at           Nullable(DateTime('UTC')),
    updated_at            DateTime('UTC'),
    resolve_reason        String,
    merged_into           String,
    is_merged             UInt8,
    auto_resolved         UInt8,
    acknowledgement_count UInt32,
    assignment_count      UInt32,
    escalation_count      UInt32,
    reassignment_count    UInt32,
    version               UInt64
) ENGINE = {{replacing "version"}}
PARTITION BY toYYYYMM(created_at)
ORDER BY (source, id);

CREATE TABLE IF NOT EXISTS {{.DB}}.timeline_events {{.OnCluster}} (
    source       String,
    incident_id  String,
    id           String,
    type         String,
    raw_type     String,
    created_at   DateTime('UTC'),
    agent_type   String,
    agent_id     String,
    agent_name   String,
    channel_type String,
    summary      String,
    assignee_ids Array(String),
    user_id      String,
    version      UInt64
) ENGINE = {{replacing "version"}}
PARTITION BY toYYYYMM(created_at)
ORDER BY (source, incident_id, id);

CREATE TABLE IF NOT EXISTS {{.DB}}.postmortems {{.OnCluster}} (
    key                    String,
    id                     String,
    project                String,
    title                  String,
    url                    String,
    status                 String,
    status_category        String,
    severity               String,
    team                   String,
    service                String,
    author                 String,
    labels                 Array(String),
    incident_ids           Array(String),
    action_item_keys       Array(String),
    created_at             DateTime('UTC'),
    updated_at             DateTime('UTC'),
    in_review_at           Nullable(DateTime('UTC')),
    published_at           Nullable(DateTime('UTC')),
    description_format     String,
    sections               Array(String),
    missing_sections       Array(String),
    summary                String,
    impact                 String,
    detection              String,
    went_well              String,
    went_poorly            String,
    lucky                  String,
    lessons                String,
    time_to_detect_seconds Nullable(UInt32),
    factor_count           UInt16,
    action_item_rows       UInt16,
    version                UInt64
) ENGINE = {{replacing "version"}}
PARTITION BY toYYYYMM(created_at)
ORDER BY key;

-- Factors carry their postmortem's version: a read keeps only the rows whose
-- (postmortem_key, version) is the postmortem's latest, so a factor removed
-- from the document disappears.
CREATE TABLE IF NOT EXISTS {{.DB}}.contributing_factors {{.OnCluster}} (
    postmortem_key        String,
    ordinal               UInt16,
    name                  String,
    text                  String,
    postmortem_created_at DateTime('UTC'),
    version               UInt64
) ENGINE = {{replacing "version"}}
PARTITION BY toYYYYMM(postmortem_created_at)
ORDER BY (postmortem_key, ordinal);

CREATE TABLE IF NOT EXISTS {{.DB}}.action_items {{.OnCluster}} (
    key              String,
    id               String,
    project          String,
    postmortem_key   String,
    summary          String,
    status           String,
    status_category  String,
    priority         String,
    raw_priority     String,
    assignee_id      String,
    assignee_name    String,
    team             String,
    labels           Array(String),
    components       Array(String),
    due_date         Nullable(Date),
    created_at       DateTime('UTC'),
    updated_at       DateTime('UTC'),
    resolved_at      Nullable(DateTime('UTC')),
    last_activity_at DateTime('UTC'),
    reopen_count     UInt16,
    url              String,
    version          UInt64
) ENGINE = {{replacing "version"}}
PARTITION BY toYYYYMM(created_at)
ORDER BY key;

CREATE TABLE IF NOT EXISTS {{.DB}}.action_item_transitions {{.OnCluster}} (
    item_key        String,
    history_id      String,
    seq             UInt16,
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

CREATE TABLE IF NOT EXISTS {{.DB}}.ingest_checkpoints {{.OnCluster}} (
    source     String,
    name       String,
    value      String,
    updated_at DateTime('UTC'),
    version    UInt64
) ENGINE = {{replacing "version"}}
ORDER BY (source, name);

CREATE TABLE IF NOT EXISTS {{.DB}}.ingest_runs {{.OnCluster}} (
    source      String,
    run_id      String,
    started_at  DateTime('UTC'),
    finished_at DateTime('UTC'),
    status      String,
    error       String,
    requests    UInt64,
    records     UInt64,
    version     UInt64
) ENGINE = {{replacing "version"}}
PARTITION BY toYYYYMM(started_at)
ORDER BY (source, run_id);

CREATE TABLE IF NOT EXISTS {{.DB}}.analysis_runs {{.OnCluster}} (
    run_id      String,
    started_at  DateTime('UTC'),
    finished_at DateTime('UTC'),
    status      String,
    error       String,
    version     UInt64
) ENGINE = {{replacing "version"}}
PARTITION BY toYYYYMM(started_at)
ORDER BY run_id;

-- One row per computed value of an analysis run. Readers take the latest
-- successful run from analysis_runs.
CREATE TABLE IF NOT EXISTS {{.DB}}.analysis_results {{.OnCluster}} (
    run_id       String,
    computed_at  DateTime('UTC'),
    analysis     String,
    metric       String,
    label_names  Array(String),
    label_values Array(String),
    value        Float64
) ENGINE = {{mergetree}}
PARTITION BY toYYYYMM(computed_at)
ORDER BY (run_id, analysis, metric);
