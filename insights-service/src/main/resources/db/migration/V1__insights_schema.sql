-- insights-service owns context packs and the per-lead insights extracted for them.
-- Flyway runs this with search_path set to the insights schema.

CREATE TABLE context_packs (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id    uuid        NOT NULL,
    status          text        NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'running', 'complete', 'failed')),
    lead_ids        bigint[]    NOT NULL DEFAULT '{}',
    processed_leads integer     NOT NULL DEFAULT 0,
    summary         text,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz
);
CREATE INDEX context_packs_open ON context_packs (updated_at) WHERE status IN ('pending', 'running');

CREATE TABLE lead_insights (
    pack_id      bigint      NOT NULL REFERENCES context_packs (id) ON DELETE CASCADE,
    lead_id      bigint      NOT NULL,
    workspace_id uuid        NOT NULL,
    insight      jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pack_id, lead_id)
);
