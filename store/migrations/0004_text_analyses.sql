-- text_analyses: each analyzer's result for each text (a contributing
-- factor, a postmortem's prose, an action item's summary), keyed by a hash
-- of the text's content and the analyzer's version. A text is analyzed when
-- it is first seen or changes; every run after that reads the stored result.
CREATE TABLE IF NOT EXISTS {{.DB}}.text_analyses {{.OnCluster}} (
    analyzer    String,
    version     String,
    hash        String,
    payload     String,
    analyzed_at DateTime('UTC')
) ENGINE = {{replacing "analyzed_at"}}
ORDER BY (analyzer, version, hash);
