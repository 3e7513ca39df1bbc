-- Every index of jobs gets a new entry at each of a job's three row writes (insert, claim, outcome: the status
-- change makes both updates non-HOT), so an index on the whole table costs the hot path three index inserts per
-- job. Keep only what the queue and its pruning need, partial where a job passes through.

-- Most jobs carry no dedupe key: index only those that do. ON CONFLICT names the same predicate.
ALTER TABLE jobs DROP CONSTRAINT jobs_dedupe_key_key;
CREATE UNIQUE INDEX jobs_dedupe_key ON jobs (dedupe_key) WHERE dedupe_key IS NOT NULL;

-- The admin list's type filter walks the primary key (newest first), or the partial index of the status it also
-- filters on; it does not need an index of its own maintained at every write of every job.
DROP INDEX jobs_type;

-- The attempt writer inserts an attempt only in the statement that fences its job (same statement, job row
-- updated first), and pruning deletes a job's attempts with the job: the foreign key's check, a KEY SHARE lock of
-- the job row per attempt, bought nothing.
ALTER TABLE job_attempts DROP CONSTRAINT job_attempts_job_id_fkey;
