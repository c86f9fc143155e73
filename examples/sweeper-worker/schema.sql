-- seat-sweeper's own tables (examples/sweeper-worker). Nothing here is named like the reference
-- system's or the Python job runner's: the harness reads these through lease-chaos.config.json.
--
-- Every time the lease protocol compares is a timestamptz from the DATABASE clock, read with
-- clock_timestamp() (not now(): a statement must not compare against its transaction's start).

-- One row per lease. generation is +1 on every grant (acquire or takeover): the fencing token.
CREATE TABLE sweeper_leases (
  lease_key      text PRIMARY KEY,
  owner_pod      text,
  generation     bigint NOT NULL DEFAULT 0,
  taken_at       timestamptz,
  heartbeat_at   timestamptz,
  lease_deadline timestamptz
);

-- The queue: seat holds; a hold whose held_until has passed is due to be released. A sweep deletes
-- it and writes its release in the same statement.
CREATE TABLE seat_holds (
  hold_id    bigserial PRIMARY KEY,
  seat       text NOT NULL,
  held_until timestamptz NOT NULL
);
CREATE INDEX seat_holds_due ON seat_holds (held_until, hold_id);

-- The sink: one row per released hold, with the pod and generation that released it. No timestamp
-- column (the harness's trigger records the time) and deliberately no unique constraint on hold_id:
-- a hold released twice is a bug the harness must be able to see, not an error that hides it.
CREATE TABLE hold_releases (
  release_id  bigserial PRIMARY KEY,
  hold_id     bigint NOT NULL,
  seat        text NOT NULL,
  held_until  timestamptz NOT NULL,
  released_by text NOT NULL,
  generation  bigint NOT NULL,
  notice      text NOT NULL
);
