-- 006_event_batch: the outbox written a transaction at a time, an event
-- recorded by the audit once, as its trail record, and a lighter index on
-- the trail's time.
--
-- A service keeps the events of a transaction in memory and appends them
-- all just before COMMIT with pw_event_append_batch: one bump of event_seq
-- reserves their seqs, one INSERT ... SELECT writes their rows.
--
-- The audit used to copy every recorded event into audit_events, a second
-- copy of the outbox row next to the trail record that holds the same time,
-- subject and payload. The outbox is never pruned and the trail is the
-- record, so audit_events becomes a view: the outbox events at or below the
-- audit's cursor of their stream. The cursor moves in the statement that
-- appends the trail records of the range, only from the seq the recording
-- transaction read (so a range is recorded once, whatever runs beside it).

-- Appends the events of one transaction for the session's tenant. Element i
-- of each array is event i, in emit order; the arrays have the same length
-- (a missing element is a NULL, which the table refuses). The events get
-- the next gap-free seqs in that order and clock_timestamp() as they are
-- inserted, as with pw_event_append. Returns each event's seq and time
-- (unix microseconds).
CREATE FUNCTION pw_event_append_batch(p_producer text, p_kinds text[], p_subjects text[],
                                      p_actors text[], p_payloads text[])
    RETURNS TABLE (seq bigint, time_us bigint)
    LANGUAGE sql AS $$
    WITH reserved AS (
        INSERT INTO event_seq AS s (tenant_id, producer, last_seq)
        SELECT pw_tenant(), p_producer, cardinality(p_kinds)
         WHERE cardinality(p_kinds) > 0
        ON CONFLICT (tenant_id, producer)
        DO UPDATE SET last_seq = s.last_seq + cardinality(p_kinds)
        RETURNING s.last_seq - cardinality(p_kinds) AS base
    )
    INSERT INTO events AS e (tenant_id, producer, seq, time, kind, subject, actor, payload)
    SELECT pw_tenant(), p_producer, r.base + x.i, clock_timestamp(), x.kind, x.subject, x.actor,
           x.payload::jsonb
      FROM reserved r,
           unnest(p_kinds, p_subjects, p_actors, p_payloads)
               WITH ORDINALITY AS x(kind, subject, actor, payload, i)
    RETURNING e.seq, (extract(epoch FROM e.time) * 1000000)::bigint
$$;
REVOKE ALL ON FUNCTION pw_event_append_batch(text, text[], text[], text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pw_event_append_batch(text, text[], text[], text[], text[])
    TO pw_service;

-- What the trail record of an outbox event holds besides the event's own
-- time, subject and payload (docs/audit.md): the action is the event's kind
-- (a published plan is `plan.published`), the actor is the event's or else
-- its producer, the reason is the payload's "reason". The audit reads these
-- to hash a record and writes them with it, so both use the same rule.
CREATE FUNCTION pw_trail_action(p_kind text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT CASE p_kind WHEN 'plan.ready' THEN 'plan.published' WHEN '' THEN 'event'
                             ELSE p_kind END $$;
CREATE FUNCTION pw_trail_actor(p_actor text, p_producer text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT CASE p_actor WHEN '' THEN p_producer ELSE p_actor END $$;
CREATE FUNCTION pw_trail_reason(p_payload jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT coalesce(p_payload ->> 'reason', '') $$;

-- Every row of audit_events has been an outbox row at or below the cursor
-- of its stream since it was written, so the view holds the same events.
DROP TABLE audit_events;
CREATE VIEW audit_events WITH (security_invoker = true) AS
    SELECT e.tenant_id, e.producer, e.seq, e.time, e.kind, e.subject, e.actor, e.payload
      FROM events e
      JOIN audit_cursor c ON c.tenant_id = e.tenant_id AND c.producer = e.producer
     WHERE e.seq <= c.last_seq;
REVOKE ALL ON audit_events FROM pw_service;
GRANT SELECT ON audit_events TO pw_service;

-- `trail --since` looks records up by time. The trail is appended in about
-- the order of its times (batch by batch), so a block-range index finds
-- where a time starts for almost no work per record; the B-tree on (tenant,
-- time) took as long to maintain as the rest of the record's write.
DROP INDEX trail_time;
CREATE INDEX trail_time ON trail USING brin (time) WITH (autosummarize = on);
