-- One conversation summary per booked lead, redone when the lead's activity (booking or last message) moves past
-- what the summary covers. A tick claims a row (claim_owner, claimed_until) before its LLM call, so two ticks never
-- summarize the same lead at once.

CREATE TABLE booked_summaries (
    workspace_id       uuid        NOT NULL,
    lead_id            bigint      NOT NULL,
    summary            text,
    -- the lead activity the summary covers
    summarized_through timestamptz,
    -- the lead activity the current or last attempt worked on; attempts counts its failures
    pending_through    timestamptz,
    attempts           integer     NOT NULL DEFAULT 0,
    last_error         text,
    claim_owner        uuid,
    claimed_until      timestamptz,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, lead_id)
);

-- Where the next tick reads booked leads from (webhook-service's page cursor); NULL: from the start.
CREATE TABLE booked_summary_cursor (
    id         boolean     PRIMARY KEY DEFAULT true CHECK (id),
    after      text,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO booked_summary_cursor (id) VALUES (true);
