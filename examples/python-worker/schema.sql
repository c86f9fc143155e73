-- The example Python worker's own tables (examples/python-worker). Nothing here is named like the
-- reference system's: the harness reads these through the profile (lease-chaos.config.json).
--
-- Every time the lease protocol compares is epoch milliseconds in a bigint, read from the DATABASE
-- clock (clock_timestamp(), not now(): a long transaction must not hand out a stale time).

CREATE FUNCTION jobs_now_ms() RETURNS bigint LANGUAGE sql VOLATILE AS $$
  SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint
$$;

-- One row per lease. term is +1 on every grant (acquire or takeover): the fencing token.
CREATE TABLE job_leases (
  name           text PRIMARY KEY,
  owner          text,
  term           bigint NOT NULL DEFAULT 0,
  granted_at_ms  bigint,
  valid_until_ms bigint
);

-- The work: jobs waiting to be run; done_* is set once, by the term that ran the job.
CREATE TABLE pending_jobs (
  job_id    bigserial PRIMARY KEY,
  payload   text NOT NULL DEFAULT '',
  done_at   timestamptz,
  done_by   text,
  done_term bigint
);
CREATE INDEX pending_jobs_waiting ON pending_jobs (job_id) WHERE done_at IS NULL;

-- The effect: one row per job run. Deliberately no unique constraint on job_id: a duplicate run is
-- a bug the harness must be able to see (no-duplicate-delivery), not an error that hides it.
CREATE TABLE job_results (
  result_id bigserial PRIMARY KEY,
  job_id    bigint NOT NULL,
  lease     text NOT NULL,
  done_by   text NOT NULL,
  term      bigint,
  output    text NOT NULL DEFAULT ''
);

-- Attempts the fence turned away, with what the lease row said at that moment.
CREATE TABLE job_result_refusals (
  refusal_id      bigserial PRIMARY KEY,
  job_id          bigint NOT NULL,
  lease           text NOT NULL,
  attempted_by    text NOT NULL,
  term            bigint NOT NULL,
  lease_owner     text,
  lease_term      bigint,
  valid_until_ms  bigint,
  refused_at_ms   bigint NOT NULL
);

-- The fenced effect, in one transaction. First the fence: on ONE reading of the database clock,
-- the lease row must still show this owner and term and not have expired; it stays share-locked,
-- so no takeover can commit before this transaction does. A stale attempt is recorded as a refusal
-- whatever the job's state (the attempt itself is the evidence that a gate failed). Then the job
-- is locked, its result recorded and the job marked done, unless another term already did it.
-- Returns 'done', 'already-done' or 'refused'.
CREATE FUNCTION finish_job(p_job bigint, p_lease text, p_worker text, p_term bigint)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_now   bigint := jobs_now_ms();
  v_lease job_leases%ROWTYPE;
BEGIN
  PERFORM 1 FROM job_leases
  WHERE name = p_lease AND owner = p_worker AND term = p_term AND valid_until_ms > v_now
  FOR SHARE;
  IF NOT FOUND THEN
    SELECT * INTO v_lease FROM job_leases WHERE name = p_lease;
    INSERT INTO job_result_refusals
      (job_id, lease, attempted_by, term, lease_owner, lease_term, valid_until_ms, refused_at_ms)
    VALUES (p_job, p_lease, p_worker, p_term, v_lease.owner, v_lease.term, v_lease.valid_until_ms, v_now);
    RETURN 'refused';
  END IF;
  PERFORM 1 FROM pending_jobs WHERE job_id = p_job AND done_at IS NULL FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 'already-done';
  END IF;
  INSERT INTO job_results (job_id, lease, done_by, term, output)
  VALUES (p_job, p_lease, p_worker, p_term, 'ok');
  UPDATE pending_jobs SET done_at = clock_timestamp(), done_by = p_worker, done_term = p_term
  WHERE job_id = p_job;
  RETURN 'done';
END $$;
