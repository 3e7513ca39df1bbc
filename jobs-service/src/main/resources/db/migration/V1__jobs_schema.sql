-- jobs-service owns the job queue, every attempt of every job, periodic-run keys and workflow executions.
-- Flyway runs this with search_path set to the jobs schema.

CREATE TABLE jobs (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type         text        NOT NULL,
    workspace_id uuid        NOT NULL,
    payload      jsonb       NOT NULL DEFAULT '{}',
    status       text        NOT NULL DEFAULT 'available'
        CHECK (status IN ('available', 'running', 'succeeded', 'dead', 'cancelled')),
    priority     smallint    NOT NULL DEFAULT 0,
    run_at       timestamptz NOT NULL DEFAULT now(),
    attempt      integer     NOT NULL DEFAULT 0,
    max_attempts integer     NOT NULL DEFAULT 5 CHECK (max_attempts > 0),
    lease_until  timestamptz,
    locked_by    text,
    dedupe_key   text        UNIQUE,
    last_error   text,
    result       jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
-- Partial indexes on the live states keep the hot path small however many finished jobs remain.
CREATE INDEX jobs_due ON jobs (priority DESC, run_at) WHERE status = 'available';
CREATE INDEX jobs_leased ON jobs (lease_until) WHERE status = 'running';
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE status IN ('succeeded', 'dead', 'cancelled');

CREATE TABLE job_attempts (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id      bigint      NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    attempt     integer     NOT NULL,
    worker      text,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    outcome     text CHECK (outcome IN ('succeeded', 'retry', 'dead', 'timeout', 'cancelled', 'snoozed', 'abandoned')),
    error_class text,
    error       text,
    UNIQUE (job_id, attempt)
);

CREATE TABLE periodic_runs (
    kind         text        NOT NULL,
    workspace_id uuid        NOT NULL,
    period       text        NOT NULL,
    job_id       bigint      NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, workspace_id, period)
);

CREATE TABLE workflow_executions (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workflow_id  text        NOT NULL,
    trigger_hash text        NOT NULL,
    workspace_id uuid        NOT NULL,
    status       text        NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    result       jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
CREATE INDEX workflow_executions_lookup ON workflow_executions (workflow_id, trigger_hash, created_at DESC);
