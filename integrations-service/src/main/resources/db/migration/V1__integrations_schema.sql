-- integrations-service owns each workspace's provider credentials, the stored answers of provider operations, the
-- integration health records and the alert dedupe rows. Flyway runs this with search_path set to the integrations
-- schema.

-- One row per (workspace, provider): the secret is AES-256-GCM ciphertext (the workspace and provider are its
-- authenticated data), never plaintext.
CREATE TABLE integration_credentials (
    workspace_id  uuid        NOT NULL,
    provider      text        NOT NULL CHECK (provider IN ('ai', 'emailbison', 'ghl', 'slack', 'unipile')),
    secret        bytea       NOT NULL,
    base_url      text,
    account_id    text,
    channel       text,
    alert_channel text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, provider)
);

-- Every POST operation is recorded here under its Idempotency-Key before the provider is called. IN_FLIGHT: a call
-- is running; DONE: the answer is final and is what a repeated key gets; RETRYABLE: the call failed in a way that
-- left the provider untouched (or the operation is side-effect free), so the next request with the key calls again.
CREATE TABLE stored_answers (
    workspace_id    uuid        NOT NULL,
    operation       text        NOT NULL,
    idempotency_key text        NOT NULL,
    request_hash    bytea       NOT NULL,
    state           text        NOT NULL CHECK (state IN ('IN_FLIGHT', 'DONE', 'RETRYABLE')),
    http_status     integer,
    body            text,
    outcome         text,
    abort_class     text,
    retry_after_s   integer,
    -- who holds an IN_FLIGHT row: only its holder writes the answer
    claim_token     uuid        NOT NULL,
    calls           integer     NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, operation, idempotency_key)
);
CREATE INDEX stored_answers_expiry ON stored_answers (expires_at);

CREATE TABLE integration_health (
    workspace_id         uuid        NOT NULL,
    provider             text        NOT NULL,
    status               text        NOT NULL DEFAULT 'UNKNOWN'
        CHECK (status IN ('UNKNOWN', 'CONNECTED', 'DEGRADED', 'DISCONNECTED')),
    since                timestamptz NOT NULL DEFAULT now(),
    last_check_at        timestamptz,
    last_success_at      timestamptz,
    last_error_code      text,
    last_error           text,
    consecutive_failures integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, provider)
);
CREATE INDEX integration_health_status ON integration_health (status);

-- At most one alert per workspace, integration, kind and UTC day: insert-if-absent on this key, whatever the replica.
CREATE TABLE alert_dedupe (
    workspace_id uuid        NOT NULL,
    provider     text        NOT NULL,
    alert_kind   text        NOT NULL,
    alert_day    date        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, provider, alert_kind, alert_day)
);
