-- Appends the events of the current transaction to the outbox, in order;
-- returns each one's seq and time_us. $1 producer; $2 kinds, $3 subjects,
-- $4 actors, $5 payloads (json text): text arrays, element i for event i.
SELECT seq, time_us FROM pw_event_append_batch($1, $2::text[], $3::text[], $4::text[], $5::text[])
