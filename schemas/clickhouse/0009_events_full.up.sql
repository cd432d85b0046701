-- The raw `events` table keeps envelopes and small payloads: the projector leaves a sample's `output`
-- and a problem's `statement` out of `payload`, since `samples` and `problems` hold them verbatim
-- (with kilobyte completions they were most of the bytes, stored twice). `events_full` is `events`
-- with every payload whole again, the two fields put back from their tables (placed last in the
-- object, so compare payloads as JSON, not as text). Rows projected before this change still carry
-- the fields and are shown as they are; `xp rebuild` stores them once.
CREATE VIEW IF NOT EXISTS events_full {{ON_CLUSTER}}
AS SELECT
    e.event_id AS event_id, e.type AS type, e.schema_version AS schema_version, e.team AS team,
    e.experiment_id AS experiment_id, e.run_id AS run_id, e.seq AS seq, e.producer AS producer,
    e.occurred_at AS occurred_at, e.parents AS parents,
    multiIf(
        e.type = 'sample.generated' AND NOT JSONHas(e.payload, 'output'),
        concat(substring(e.payload, 1, length(e.payload) - 1), ',"output":', toJSONString(s.output), '}'),
        e.type = 'problem.registered' AND NOT JSONHas(e.payload, 'statement'),
        concat(substring(e.payload, 1, length(e.payload) - 1), ',"statement":', toJSONString(p.statement), '}'),
        e.payload
    ) AS payload,
    e.log_partition AS log_partition, e.log_offset AS log_offset, e.appended_at AS appended_at
FROM events AS e
LEFT ANY JOIN (SELECT team, run_id, event_id, output FROM samples) AS s
    ON s.team = e.team AND s.run_id = e.run_id AND s.event_id = e.event_id
LEFT ANY JOIN (SELECT team, run_id, event_id, statement FROM problems) AS p
    ON p.team = e.team AND p.run_id = e.run_id AND p.event_id = e.event_id;
