-- Admin listing by workspace (keyset on id) and the periodic scheduler's "workspaces seen lately" walk.
CREATE INDEX jobs_workspace ON jobs (workspace_id, id);
-- Admin listing by type (keyset on id).
CREATE INDEX jobs_type ON jobs (type, id);
