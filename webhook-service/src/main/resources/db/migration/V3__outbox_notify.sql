-- Wakes idle outbox relays when rows are committed (OutboxWakeups LISTENs on the channel), so that a stored
-- delivery is relayed at once instead of at the relay's next interval. One NOTIFY per inserting statement, and
-- PostgreSQL folds identical notifications of one transaction into one; the statement of a duplicate delivery
-- inserts no outbox row and notifies nothing. Behind PgBouncer in transaction mode nobody listens and the
-- interval is the only wake-up; the NOTIFY then costs little and is dropped.
CREATE FUNCTION outbox_notify_due() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM inserted) THEN
        PERFORM pg_notify('ballast_outbox_due', '');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER outbox_due_notify AFTER INSERT ON outbox
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify_due();
