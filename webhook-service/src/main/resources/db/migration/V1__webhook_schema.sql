-- webhook-service owns workspaces and their webhook credentials, leads, messages, annotations,
-- the delivery log and the outbox. Flyway runs this with search_path set to the webhook schema;
-- the service's own SQL names the schema explicitly, so it also works behind PgBouncer.

CREATE TABLE workspaces (
    id         uuid        PRIMARY KEY,
    name       text        NOT NULL,
    status     text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The provider-side accounts whose deliveries a workspace accepts (an EmailBison workspace_id, a GHL locationId).
CREATE TABLE workspace_provider_accounts (
    workspace_id          uuid NOT NULL REFERENCES workspaces (id),
    provider              text NOT NULL,
    provider_workspace_id text NOT NULL,
    PRIMARY KEY (workspace_id, provider, provider_workspace_id)
);

-- A signing secret is kept encrypted (HMAC verification needs it back); an intake token only as a hash.
-- A credential with valid_until in the past is dead; rotation sets valid_until on the old one (grace period).
CREATE TABLE webhook_credentials (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id      uuid        NOT NULL REFERENCES workspaces (id),
    kind              text        NOT NULL CHECK (kind IN ('signing_secret', 'intake_token')),
    secret_ciphertext bytea,
    token_sha256      bytea,
    created_at        timestamptz NOT NULL DEFAULT now(),
    valid_until       timestamptz,
    CHECK ((kind = 'signing_secret' AND secret_ciphertext IS NOT NULL AND token_sha256 IS NULL)
        OR (kind = 'intake_token' AND token_sha256 IS NOT NULL AND secret_ciphertext IS NULL))
);
CREATE INDEX webhook_credentials_workspace ON webhook_credentials (workspace_id, kind);
CREATE UNIQUE INDEX webhook_credentials_token ON webhook_credentials (token_sha256) WHERE token_sha256 IS NOT NULL;

-- lead_key is the identity a lead is upserted by: 'email:<lower-cased address>', 'phone:<number>' or
-- 'ghl-contact:<contact id>' (GHL SMS payloads may carry no address at all).
CREATE TABLE leads (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id     uuid        NOT NULL REFERENCES workspaces (id),
    lead_key         text        NOT NULL,
    email            text,
    phone            text,
    name             text,
    provider_lead_id text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT leads_identity UNIQUE (workspace_id, lead_key)
);

CREATE TABLE messages (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id uuid        NOT NULL REFERENCES workspaces (id),
    lead_id      bigint      NOT NULL REFERENCES leads (id),
    provider     text        NOT NULL,
    external_id  text        NOT NULL,
    channel      text        NOT NULL,
    direction    text        NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    event_type   text        NOT NULL,
    subject      text,
    body         text,
    from_address text,
    to_address   text,
    metadata     jsonb       NOT NULL DEFAULT '{}',
    sent_at      timestamptz,
    received_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT messages_dedupe UNIQUE (workspace_id, provider, external_id)
);
CREATE INDEX messages_lead ON messages (lead_id, id);

CREATE TABLE message_annotations (
    message_id   bigint      NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    kind         text        NOT NULL,
    workspace_id uuid        NOT NULL REFERENCES workspaces (id),
    value        jsonb       NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, kind)
);

-- One row per delivery, whatever its outcome. No foreign keys: refused deliveries may name unknown
-- workspaces, and pruning must not wait on anything.
CREATE TABLE webhook_deliveries (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id uuid,
    webhook_id   text,
    provider     text        NOT NULL,
    event_type   text,
    outcome      text        NOT NULL,
    reason       text,
    http_status  integer     NOT NULL,
    body_bytes   integer     NOT NULL,
    message_id   bigint,
    received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_received ON webhook_deliveries (received_at);
CREATE INDEX webhook_deliveries_workspace ON webhook_deliveries (workspace_id, received_at);

CREATE TABLE outbox (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id    uuid        NOT NULL REFERENCES workspaces (id),
    message_id      bigint      NOT NULL REFERENCES messages (id),
    job_type        text        NOT NULL,
    dedupe_key      text        NOT NULL UNIQUE,
    payload         jsonb       NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL;
-- The foreign key to messages needs its own index: without it every message delete scans the outbox.
CREATE INDEX outbox_message ON outbox (message_id);
