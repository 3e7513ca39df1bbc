-- The outbox relay (OutboxRelay) claims due rows for a lease and hands them to jobs-service.
-- lease_token: who holds the current claim, so a replica whose lease ran out cannot reschedule a row that
--   another replica has claimed since (delivery itself is never undone: delivered_at is only ever set).
-- parked_at: jobs-service refused the job for good (a 4xx such as 400/422); the row stays for inspection and
--   is no longer claimed. Clearing parked_at (and fixing the cause) sends it again.
ALTER TABLE outbox ADD COLUMN lease_token uuid;
ALTER TABLE outbox ADD COLUMN parked_at timestamptz;

DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL AND parked_at IS NULL;
