-- Pruning walks the primary key (JobStore.PRUNE) instead of an index of finished jobs: that index took an entry at
-- every job's outcome write, to serve one statement an hour.
DROP INDEX jobs_finished;
