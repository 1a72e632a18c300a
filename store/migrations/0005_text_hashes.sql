-- 0005_text_hashes: each text's content hash, computed by ClickHouse when the
-- row is written, so that the per-text analyzers find the texts they have no
-- result for by reading hashes instead of reading and hashing every text on
-- every run. Each is TextHash (store/text_analyses.go) of the text as the
-- reads key it: a factor's name and text for its themes features, its text
-- for the blame check, a prose section's text, an action item's summary with
-- whether it has an owner and a due date (ActionTextKey).
--
-- DEFAULT, not MATERIALIZED: in cluster mode the Distributed table computes
-- the columns an insert leaves out and sends them to the shards, and 18.16
-- refuses a MATERIALIZED column sent to a shard ("Cannot insert column");
-- Aftermath's inserts name their columns and never these. Rows written
-- before this migration get the value computed when they are read, until a
-- merge writes it: the same value either way. 18.16 has no
-- ADD COLUMN IF NOT EXISTS; the migrator skips an ADD COLUMN whose columns
-- all exist, so an interrupted run is finished by the next one.
ALTER TABLE {{.DB}}.contributing_factors {{.OnCluster}}
    ADD COLUMN factor_hash String DEFAULT lower(hex(substring(SHA256(concat(name, '\n', text)), 1, 16))),
    ADD COLUMN text_hash String DEFAULT lower(hex(substring(SHA256(text), 1, 16)));
ALTER TABLE {{.DB}}.postmortems {{.OnCluster}}
    ADD COLUMN summary_hash String DEFAULT lower(hex(substring(SHA256(summary), 1, 16))),
    ADD COLUMN impact_hash String DEFAULT lower(hex(substring(SHA256(impact), 1, 16))),
    ADD COLUMN detection_hash String DEFAULT lower(hex(substring(SHA256(detection), 1, 16))),
    ADD COLUMN went_well_hash String DEFAULT lower(hex(substring(SHA256(went_well), 1, 16))),
    ADD COLUMN went_poorly_hash String DEFAULT lower(hex(substring(SHA256(went_poorly), 1, 16))),
    ADD COLUMN lucky_hash String DEFAULT lower(hex(substring(SHA256(lucky), 1, 16))),
    ADD COLUMN lessons_hash String DEFAULT lower(hex(substring(SHA256(lessons), 1, 16)));
ALTER TABLE {{.DB}}.action_items {{.OnCluster}}
    ADD COLUMN text_hash String DEFAULT lower(hex(substring(SHA256(concat(summary, '\0owner=', if(assignee_id != '', 'true', 'false'), '\0due=', if(isNull(due_date), 'false', 'true'))), 1, 16)));
