-- Appends an outbox event in the current transaction; returns seq, time_us.
-- $1 producer, $2 kind, $3 subject, $4 actor, $5 payload (json text)
SELECT seq, time_us FROM pw_event_append($1, $2, $3, $4, $5::jsonb)
