-- Context packs are worked in steps by cron ticks: a pack is leased by one tick at a time (claimed with SKIP LOCKED),
-- each of its leads carries its own state and attempts, and the cursor says where the next step starts.

ALTER TABLE context_packs
    DROP COLUMN lead_ids,
    ADD COLUMN question           text,
    ADD COLUMN idempotency_key    text,
    -- SHA-256 of the request: a replayed key with another request is refused, not answered with the first pack.
    ADD COLUMN request_hash       text,
    ADD COLUMN total_leads        integer NOT NULL DEFAULT 0,
    ADD COLUMN failed_leads       integer NOT NULL DEFAULT 0,
    ADD COLUMN cursor_position    integer NOT NULL DEFAULT 0,
    ADD COLUMN synthesis_attempts integer NOT NULL DEFAULT 0,
    -- The tick holding the pack (a fresh id per claim) and until when; every write of a step is fenced by the owner.
    ADD COLUMN lease_owner        uuid,
    ADD COLUMN lease_until        timestamptz;

CREATE UNIQUE INDEX context_packs_idempotency ON context_packs (workspace_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

CREATE TABLE pack_leads (
    pack_id    bigint      NOT NULL REFERENCES context_packs (id) ON DELETE CASCADE,
    position   integer     NOT NULL,
    lead_id    bigint      NOT NULL,
    status     text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts   integer     NOT NULL DEFAULT 0,
    last_error text,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pack_id, position),
    CONSTRAINT pack_leads_once UNIQUE (pack_id, lead_id)
);
