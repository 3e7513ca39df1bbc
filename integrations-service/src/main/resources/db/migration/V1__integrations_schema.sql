-- integrations-service owns each workspace's provider connections, their health, and the alert dedupe rows.
-- Flyway runs this with search_path set to the integrations schema.

CREATE TABLE integration_connections (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id uuid        NOT NULL,
    provider     text        NOT NULL,
    account_ref  text,
    settings     jsonb       NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (workspace_id, provider)
);

CREATE TABLE integration_health (
    workspace_id         uuid        NOT NULL,
    provider             text        NOT NULL,
    status               text        NOT NULL DEFAULT 'UNKNOWN'
        CHECK (status IN ('UNKNOWN', 'HEALTHY', 'DEGRADED', 'DISCONNECTED')),
    consecutive_failures integer     NOT NULL DEFAULT 0,
    last_success_at      timestamptz,
    last_failure_at      timestamptz,
    last_error_class     text,
    last_error           text,
    status_changed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, provider)
);

-- At most one alert per workspace, integration, kind and day: insert-if-absent on this key.
CREATE TABLE alert_dedupe (
    workspace_id uuid        NOT NULL,
    provider     text        NOT NULL,
    alert_kind   text        NOT NULL,
    alert_day    date        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, provider, alert_kind, alert_day)
);
