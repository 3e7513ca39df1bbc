-- Which workspaces have had jobs lately, per job type (periodic kinds without a workspace list run for the
-- workspaces with a recent non-periodic job). Written from memory in batches by each replica (WorkspaceActivity),
-- not per enqueued job: the (workspace_id, id) index over all jobs that used to answer this cost three index
-- entries at every job's insert, claim and outcome.
CREATE TABLE workspace_activity (
    workspace_id uuid        NOT NULL,
    type         text        NOT NULL,
    last_job_at  timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, type)
);

INSERT INTO workspace_activity (workspace_id, type, last_job_at)
SELECT workspace_id, type, max(created_at) FROM jobs GROUP BY workspace_id, type;

-- The admin list's workspace filter walks the primary key, newest first (or a live state's partial index).
DROP INDEX jobs_workspace;
