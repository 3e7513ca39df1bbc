-- Queue mechanics on top of V1: snoozes (claims that spent no attempt) and the enqueue wake-up.

-- A snoozed job is claimed again with a new attempt number (job_attempts is unique on it), so the attempts it
-- has really spent are attempt - snoozes.
ALTER TABLE jobs ADD COLUMN snoozes integer NOT NULL DEFAULT 0;

-- One NOTIFY per inserting statement that made something due now (not one per row); PostgreSQL also folds
-- identical notifications of one transaction into one. Workers LISTEN on the channel, and poll as a fallback.
CREATE FUNCTION jobs_notify_enqueued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM inserted WHERE status = 'available' AND run_at <= now()) THEN
        PERFORM pg_notify('ballast_jobs_enqueued', '');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER jobs_enqueued AFTER INSERT ON jobs
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_notify_enqueued();
