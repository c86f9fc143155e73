#!/usr/bin/python3
"""seat-sweeper: releases expired seat holds while it holds the `seat-holds` lease.

A second example of a team's own worker driven by lease-chaos through a profile
(lease-chaos.config.json beside this file). Its shape is unlike the reference
worker's and the Python job runner's:

  * one asyncio event loop, two tasks (the renewer, the sweeper), each on its own
    asynchronous psycopg2 connection driven by the loop's reader/writer callbacks;
  * a sweep is ONE fenced SQL statement: a CTE that checks the lease row (owner,
    generation, deadline on the database clock), deletes the due holds and writes
    their releases, RETURNING the ids; there is no per-hold gate and no refusal
    table: a fenced sweep writes nothing and says so in the log;
  * tracing-style text logs, durations with units in the environment.

Debian's /usr/bin/python3 and python3-psycopg2; the standard library otherwise.

Environment (durations take a unit: 250ms, 2s, 1.5s, 1m):
  SWEEPER_DATABASE_URL   libpq URI or conninfo of the database (required)
  SWEEPER_POD            this instance's identity (required)
  SWEEPER_LEASE          the lease to compete for (default seat-holds)
  SWEEPER_LEASE_TTL      lease ttl (default 10s)
  SWEEPER_RENEW_EVERY    renew period while leading (default ttl/4)
  SWEEPER_RETRY_EVERY    acquire period while standing by, and retry after an error (default ttl/10)
  SWEEPER_LEASE_MARGIN   safety margin before the lease deadline (default max(50ms, ttl/10))
  SWEEPER_DB_TIMEOUT     client and server timeout of every statement (default ttl/2)
  SWEEPER_SWEEP_EVERY    pause between sweeps (default ttl/10)
  SWEEPER_SWEEP_LIMIT    holds per sweep (default 10)
  SWEEPER_NOTICE_PACE    gateway capacity reserved per notice before a sweep (default 10ms)
  SWEEPER_LOG            info or debug (default info)
  SWEEPER_DEFECT         a deliberately broken variant (see DEFECTS), for negative controls
"""

import asyncio
import datetime
import json
import os
import re
import signal
import sys
import time

import psycopg2
import psycopg2.extensions as ext

DEFECTS = {
    "cached-gate": "the sweep gate trusts the cached leading flag and never looks at the local deadline",
    "unfenced-sweep": "the sweep statement trusts the gate and does not check the lease row",
    "reply-anchored-deadline": "the local deadline counts from the renew's reply, not from its send",
    "tight-timeout": "every statement, the renew too, gets the sweep's latency budget (ttl/40) as timeout",
}

monotonic = time.monotonic


# ------------------------------------------------------------------------------------ settings


class SettingError(Exception):
    """A setting that is missing or malformed: the worker exits with status 2."""


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)\s*$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000}


def duration_ms(name, text):
    m = _DURATION.match(text)
    if not m:
        raise SettingError(f"{name}={text!r} is not a duration such as 250ms, 2s or 1.5s")
    return round(float(m.group(1)) * _UNIT_MS[m.group(2)])


class Settings:
    def __init__(self, env):
        def need(name):
            value = env.get(name, "")
            if not value:
                raise SettingError(f"{name} is required")
            return value

        def dur(name, default):
            text = env.get(name, "")
            return default if not text else duration_ms(name, text)

        self.dsn = need("SWEEPER_DATABASE_URL")
        self.pod = need("SWEEPER_POD")
        self.lease = env.get("SWEEPER_LEASE") or "seat-holds"
        self.defect = env.get("SWEEPER_DEFECT") or None
        if self.defect is not None and self.defect not in DEFECTS:
            raise SettingError(f"SWEEPER_DEFECT={self.defect!r} is not one of {', '.join(DEFECTS)}")
        self.ttl_ms = dur("SWEEPER_LEASE_TTL", 10_000)
        if self.ttl_ms < 200:
            raise SettingError(f"SWEEPER_LEASE_TTL must be at least 200ms, got {self.ttl_ms}ms")
        self.renew_ms = dur("SWEEPER_RENEW_EVERY", self.ttl_ms // 4)
        self.retry_ms = dur("SWEEPER_RETRY_EVERY", self.ttl_ms // 10)
        self.margin_ms = dur("SWEEPER_LEASE_MARGIN", max(50, self.ttl_ms // 10))
        if self.margin_ms >= self.ttl_ms:
            raise SettingError(
                f"SWEEPER_LEASE_MARGIN ({self.margin_ms}ms) must be below SWEEPER_LEASE_TTL ({self.ttl_ms}ms)"
            )
        self.timeout_ms = max(1, dur("SWEEPER_DB_TIMEOUT", self.ttl_ms // 2))
        if self.defect == "tight-timeout":
            self.timeout_ms = max(1, self.ttl_ms // 40)
        self.sweep_every_ms = dur("SWEEPER_SWEEP_EVERY", self.ttl_ms // 10)
        limit = env.get("SWEEPER_SWEEP_LIMIT") or "10"
        if not limit.strip().isdigit() or int(limit) < 1:
            raise SettingError(f"SWEEPER_SWEEP_LIMIT={limit!r} must be a whole number >= 1")
        self.limit = int(limit)
        self.notice_ms = dur("SWEEPER_NOTICE_PACE", 10)
        self.log_level = (env.get("SWEEPER_LOG") or "info").lower()
        if self.log_level not in ("debug", "info"):
            raise SettingError(f"SWEEPER_LOG={self.log_level!r} must be info or debug")


# ------------------------------------------------------------------------------------ log


def _value(v):
    """A field as tracing's fmt writes it: lists as [a,b], strings quoted when they must be."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(str(x) for x in v) + "]"
    if isinstance(v, datetime.datetime):
        return _iso(v)
    text = str(v)
    if text == "" or any(c in text for c in ' "=\\\t\n'):
        return json.dumps(text)
    return text


def _iso(dt):
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Log:
    """tracing-subscriber's fmt layout, one line per event on stdout:

    2026-12-01T10:00:00.123456Z  INFO sweeper{pod=sweep-a lease=seat-holds}:sweep: sweep done holds=[12,13] gen=3
    """

    def __init__(self, pod, lease, level):
        self._span = f"sweeper{{pod={pod} lease={lease}}}"
        self._debug = level == "debug"

    def _emit(self, level, task, message, fields):
        tail = "".join(f" {k}={_value(v)}" for k, v in fields.items() if v is not None)
        now = _iso(datetime.datetime.now(datetime.timezone.utc))
        where = f"{self._span}:{task}" if task else self._span
        try:
            sys.stdout.write(f"{now} {level:>5} {where}: {message}{tail}\n")
            sys.stdout.flush()
        except (BrokenPipeError, ValueError):
            pass

    def debug(self, task, message, **fields):
        if self._debug:
            self._emit("DEBUG", task, message, fields)

    def info(self, task, message, **fields):
        self._emit("INFO", task, message, fields)

    def warn(self, task, message, **fields):
        self._emit("WARN", task, message, fields)

    def error(self, task, message, **fields):
        self._emit("ERROR", task, message, fields)


# ------------------------------------------------------------------------------------ database


class Indeterminate(Exception):
    """No reply within the timeout: the statement may or may not have committed."""


class DbError(Exception):
    """The database refused the statement, or the connection broke: it did not commit."""


def _one_line(err):
    return " ".join(str(err).split()) or type(err).__name__


def _set(fut):
    if not fut.done():
        fut.set_result(None)


async def _drive(conn, deadline, what):
    """Polls an asynchronous psycopg2 connection on the event loop until its operation is done.

    Waits for the socket through the loop's reader/writer callbacks, never longer than the deadline
    (monotonic). The connection is polled once more before giving up, so a reply that came in
    while the process was stopped (SIGSTOP) is still taken.
    """
    loop = asyncio.get_running_loop()
    while True:
        try:
            state = conn.poll()
        except psycopg2.Error as err:
            raise DbError(f"{what}: {_one_line(err)}") from err
        if state == ext.POLL_OK:
            return
        left = deadline - monotonic()
        if left <= 0:
            raise Indeterminate(f"{what}: no reply within the timeout")
        fd = conn.fileno()  # may change while connecting (libpq tries each address)
        fut = loop.create_future()
        if state == ext.POLL_READ:
            loop.add_reader(fd, _set, fut)
            remove = loop.remove_reader
        elif state == ext.POLL_WRITE:
            loop.add_writer(fd, _set, fut)
            remove = loop.remove_writer
        else:
            raise DbError(f"{what}: unexpected poll state {state}")
        try:
            await asyncio.wait_for(fut, left)
        except TimeoutError:
            pass  # polled again at the top: a reply may be there after all
        finally:
            remove(fd)


class Db:
    """One asynchronous connection, opened on demand and dropped after any error or timeout."""

    def __init__(self, dsn, app_name, timeout_ms):
        self._dsn = dsn
        self._app = app_name
        self._timeout_ms = timeout_ms
        self._conn = None

    async def _open(self):
        deadline = monotonic() + self._timeout_ms / 1000
        try:
            conn = psycopg2.connect(
                self._dsn,
                async_=1,
                application_name=self._app,
                # The server gives up on a statement (a lock wait, say) when we do.
                options=f"-c statement_timeout={self._timeout_ms}",
            )
        except psycopg2.Error as err:
            raise DbError(f"connect: {_one_line(err)}") from err
        try:
            await _drive(conn, deadline, "connect")
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    async def query(self, sql, args):
        """Runs one statement (autocommit); returns (rows, monotonic time it was sent)."""
        if self._conn is None:
            await self._open()
        conn = self._conn
        try:
            cur = conn.cursor()
            sent = monotonic()
            cur.execute(sql, args)
            await _drive(conn, sent + self._timeout_ms / 1000, "statement")
            rows = cur.fetchall() if cur.description is not None else []
            cur.close()
            return rows, sent
        except psycopg2.Error as err:
            self.drop()
            raise DbError(_one_line(err)) from err
        except BaseException:
            # Timed out, cancelled, anything: the session's state is unknown; never reuse it.
            self.drop()
            raise

    def drop(self):
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except psycopg2.Error:
                pass


# ------------------------------------------------------------------------------------ the lease

TTL = "%(ttl_ms)s * interval '1 millisecond'"

# Takes the row when it is free or its deadline passed on the database clock; bumps the generation.
# Otherwise returns the row as it stands (for the standby line).
ACQUIRE = f"""
WITH taken AS (
  INSERT INTO sweeper_leases AS l (lease_key, owner_pod, generation, taken_at, heartbeat_at, lease_deadline)
  VALUES (%(lease)s, %(pod)s, 1, clock_timestamp(), clock_timestamp(), clock_timestamp() + {TTL})
  ON CONFLICT (lease_key) DO UPDATE
    SET owner_pod = EXCLUDED.owner_pod, generation = l.generation + 1, taken_at = EXCLUDED.taken_at,
        heartbeat_at = EXCLUDED.heartbeat_at, lease_deadline = EXCLUDED.lease_deadline
    WHERE l.owner_pod IS NULL OR l.lease_deadline IS NULL OR l.lease_deadline < clock_timestamp()
  RETURNING owner_pod, generation, lease_deadline
)
SELECT TRUE, owner_pod, generation, lease_deadline FROM taken
UNION ALL
SELECT FALSE, owner_pod, generation, lease_deadline FROM sweeper_leases
WHERE lease_key = %(lease)s AND NOT EXISTS (SELECT 1 FROM taken)
"""

# Extends the deadline only while the row still shows this pod and generation, unexpired.
RENEW = f"""
WITH renewed AS (
  UPDATE sweeper_leases SET heartbeat_at = clock_timestamp(), lease_deadline = clock_timestamp() + {TTL}
  WHERE lease_key = %(lease)s AND owner_pod = %(pod)s AND generation = %(gen)s
    AND lease_deadline > clock_timestamp()
  RETURNING lease_deadline
)
SELECT TRUE, lease_deadline, NULL::text, NULL::bigint FROM renewed
UNION ALL
SELECT FALSE, lease_deadline, owner_pod, generation FROM sweeper_leases
WHERE lease_key = %(lease)s AND NOT EXISTS (SELECT 1 FROM renewed)
"""

# Never moves the deadline later: a release after expiry must not look like a longer term.
RELEASE = """
UPDATE sweeper_leases SET owner_pod = NULL, lease_deadline = LEAST(lease_deadline, clock_timestamp())
WHERE lease_key = %(lease)s AND owner_pod = %(pod)s AND generation = %(gen)s
RETURNING generation
"""


class Lease:
    """The cached lease and the local deadline, on the monotonic clock.

    deadline = (monotonic time the successful acquire/renew was SENT) + ttl - margin: whatever the
    reply's delay, it lies at least a margin before the database's lease_deadline.
    """

    def __init__(self, cfg, db, log):
        self._cfg = cfg
        self._db = db
        self._log = log
        self.leading = False
        self.gen = None
        self.deadline = 0.0
        self.lease_deadline = None  # the database's, from the last acquire/renew (for the log)
        self._lapsed = False
        self._seen = object()

    def _args(self, **more):
        return {"lease": self._cfg.lease, "pod": self._cfg.pod, "ttl_ms": self._cfg.ttl_ms, **more}

    def _anchor(self, sent):
        base = monotonic() if self._cfg.defect == "reply-anchored-deadline" else sent
        self.deadline = base + (self._cfg.ttl_ms - self._cfg.margin_ms) / 1000

    def gate(self):
        """isLeaderNow(): the generation this pod may sweep for right now, or None."""
        if self._cfg.defect == "cached-gate":
            return self.gen if self.leading else None
        if not self.leading:
            return None
        if monotonic() < self.deadline:
            return self.gen
        if not self._lapsed:
            self._lapsed = True
            self._log.warn(
                "lease",
                "lease deadline passed locally; sweeps paused until renewed",
                gen=self.gen,
                lease_deadline=self.lease_deadline,
                overdue_ms=round((monotonic() - self.deadline) * 1000),
            )
        return None

    async def step(self):
        """One renewer step; returns the seconds until the next."""
        return await (self._renew() if self.leading else self._acquire())

    async def _renew(self):
        gen = self.gen
        self.gate()  # a lapse is logged before whatever the renew brings
        try:
            rows, sent = await self._db.query(RENEW, self._args(gen=gen))
        except (Indeterminate, DbError) as err:
            # Indeterminate or failed: the old deadline stands and the gate enforces it.
            self._log.warn("renew", "renew failed", gen=gen, error=str(err))
            self.gate()
            return self._cfg.retry_ms / 1000
        if not self.leading or self.gen != gen:
            return self._cfg.renew_ms / 1000  # stepped down meanwhile (a fenced sweep)
        renewed, lease_deadline, owner, owner_gen = rows[0] if rows else (False, None, None, None)
        self.gate()
        if not renewed:
            self._lose(gen, "renew matched no row", owner=owner or "-", owner_gen=owner_gen)
            return await self._acquire()
        self._anchor(sent)
        self.lease_deadline = lease_deadline
        if self._lapsed and monotonic() < self.deadline:
            self._lapsed = False
            self._log.info("renew", "lease regained", gen=gen, lease_deadline=lease_deadline)
        else:
            self._log.debug("renew", "lease renewed", gen=gen, lease_deadline=lease_deadline)
        return self._cfg.renew_ms / 1000

    async def _acquire(self):
        try:
            rows, sent = await self._db.query(ACQUIRE, self._args())
        except (Indeterminate, DbError) as err:
            # An acquire that may have committed is safe to forget: the row then shows this pod
            # under a generation it does not know, and it stands by until that expires.
            self._log.warn("renew", "acquire failed", error=str(err))
            return self._cfg.retry_ms / 1000
        mine, owner, gen, lease_deadline = rows[0] if rows else (False, None, None, None)
        if mine:
            self.leading = True
            self.gen = gen
            self.lease_deadline = lease_deadline
            self._anchor(sent)
            self._lapsed = False
            self._seen = object()
            self._log.info("renew", "lease acquired", gen=gen, lease_deadline=lease_deadline)
            return self._cfg.renew_ms / 1000
        if (owner, gen) != self._seen:
            self._seen = (owner, gen)
            self._log.info(
                "renew", "standing by", leader=owner or "-", leader_gen=gen, lease_deadline=lease_deadline
            )
        return self._cfg.retry_ms / 1000

    def _lose(self, gen, reason, **fields):
        self.leading = False
        self._lapsed = False
        self._log.warn("lease", "lease lost", gen=gen, reason=reason, **fields)

    def step_down(self, gen, reason, **fields):
        """The database said generation `gen` is over (a fenced sweep): stop leading it now."""
        if not self.leading or self.gen != gen:
            return
        self.gate()  # a passed deadline is logged before the loss
        self._lose(gen, reason, **fields)

    async def release(self, db):
        """On shutdown: hands the lease back if the row still shows this pod and generation."""
        if self.gen is None or not self.leading:
            return
        gen, self.leading = self.gen, False
        try:
            rows, _ = await db.query(RELEASE, self._args(gen=gen))
            self._log.info("lease", "lease released", gen=gen, matched=bool(rows))
        except (Indeterminate, DbError) as err:
            self._log.warn("lease", "lease release failed", gen=gen, error=str(err))


# ------------------------------------------------------------------------------------ the sweep

# The fence: this pod's generation, unexpired on the database clock, share-locked so no takeover
# or release commits before this statement does. Without it, nothing below writes.
FENCE = """
  SELECT generation FROM sweeper_leases
  WHERE lease_key = %(lease)s AND owner_pod = %(pod)s AND generation = %(gen)s
    AND lease_deadline > clock_timestamp()
  FOR SHARE
"""
# unfenced-sweep: "the gate already said yes".
NO_FENCE = "  SELECT %(gen)s::bigint AS generation\n"

# The sweep, one statement: fence, delete the holds due (re-checked under their row locks, so a
# hold another sweep took is skipped), write their releases, and return the ids released, the ids
# that were due (for a fenced sweep's log line) and the lease row as this statement saw it.
SWEEP = """
WITH fence AS MATERIALIZED (
{fence}),
due AS MATERIALIZED (
  SELECT hold_id FROM seat_holds
  WHERE held_until < clock_timestamp()
  ORDER BY hold_id
  LIMIT %(limit)s
),
gone AS (
  DELETE FROM seat_holds h
  WHERE h.hold_id IN (SELECT hold_id FROM due) AND h.held_until < clock_timestamp()
    AND EXISTS (SELECT 1 FROM fence)
  RETURNING h.hold_id, h.seat, h.held_until
),
released AS (
  INSERT INTO hold_releases (hold_id, seat, held_until, released_by, generation, notice)
  SELECT hold_id, seat, held_until, %(pod)s, %(gen)s,
         format('seat %%s is free again (hold %%s)', seat, hold_id)
  FROM gone
  RETURNING hold_id
)
SELECT EXISTS (SELECT 1 FROM fence),
       ARRAY(SELECT hold_id FROM released ORDER BY hold_id),
       ARRAY(SELECT hold_id FROM due ORDER BY hold_id),
       l.owner_pod, l.generation, l.lease_deadline
FROM (SELECT 1) AS one LEFT JOIN sweeper_leases l ON l.lease_key = %(lease)s
"""


class Sweeper:
    """The work loop: every iteration asks the gate; a passed gate is one fenced statement."""

    def __init__(self, cfg, db, lease, log, stop):
        self._cfg = cfg
        self._db = db
        self._lease = lease
        self._log = log
        self._stop = stop
        self._sql = SWEEP.format(fence=NO_FENCE if cfg.defect == "unfenced-sweep" else FENCE)

    async def _pause(self, ms):
        """Waits `ms`; True when a shutdown came first."""
        if self._stop.is_set():
            return True
        try:
            await asyncio.wait_for(self._stop.wait(), ms / 1000)
            return True
        except TimeoutError:
            return False

    async def run(self):
        sweep = 0
        while not await self._pause(self._cfg.sweep_every_ms):
            gen = self._lease.gate()
            if gen is None:
                continue
            sweep += 1
            self._log.info("sweep", "sweep begin", gen=gen, sweep=sweep, limit=self._cfg.limit)
            try:
                await self._sweep(gen, sweep)
            except (Indeterminate, DbError) as err:
                self._log.warn("sweep", "sweep failed", gen=gen, sweep=sweep, error=str(err))

    async def _sweep(self, gen, sweep):
        # Reserve the notification gateway's capacity for up to LIMIT release notices (the "work"
        # of a sweep), then the one statement that counts. No second look at the gate: the
        # statement's fence is the check that holds at the moment it writes.
        if await self._pause(self._cfg.notice_ms * self._cfg.limit):
            self._log.info("sweep", "sweep abandoned", gen=gen, sweep=sweep, reason="shutting down")
            return
        args = {"lease": self._cfg.lease, "pod": self._cfg.pod, "gen": gen, "limit": self._cfg.limit}
        try:
            rows, sent = await self._db.query(self._sql, args)
        except Indeterminate as err:
            self._log.warn("sweep", "sweep outcome unknown", gen=gen, sweep=sweep, error=str(err))
            return
        fenced_ok, released, due, owner, owner_gen, owner_deadline = rows[0]
        if not fenced_ok:
            # The database's word: this generation is over. The gate's lapse (if any) comes first.
            self._lease.gate()
            self._log.warn(
                "sweep",
                f"sweep fenced: generation {gen} is stale",
                gen=gen,
                sweep=sweep,
                holds=due,
                owner=owner or "-",
                owner_gen=owner_gen,
                owner_deadline=owner_deadline,
            )
            self._lease.step_down(gen, "a sweep was fenced", owner=owner or "-", owner_gen=owner_gen)
            return
        if not released:
            self._log.debug("sweep", "sweep idle", gen=gen, sweep=sweep)
            return
        self._log.info(
            "sweep", "sweep done", gen=gen, sweep=sweep, holds=released, took_ms=round((monotonic() - sent) * 1000)
        )


# ------------------------------------------------------------------------------------ main


async def amain(cfg, log):
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    received = []

    def on_signal(sig):
        received.append(sig)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig)

    session = f"seat-sweeper/{cfg.pod}"
    lease_db = Db(cfg.dsn, f"{session}/renewer", cfg.timeout_ms)
    sweep_db = Db(cfg.dsn, f"{session}/sweeper", cfg.timeout_ms)
    lease = Lease(cfg, lease_db, log)
    sweeper = Sweeper(cfg, sweep_db, lease, log, stop)
    crashed = []

    async def renew_forever():
        while True:
            await asyncio.sleep(await lease.step())

    def watch(task):
        if task.cancelled() or task.exception() is None:
            return
        err = task.exception()
        log.error(None, "task crashed, exiting", task=task.get_name(), error=f"{type(err).__name__}: {err}")
        crashed.append(task.get_name())
        stop.set()

    log.info(
        None,
        "sweeper up",
        pid=os.getpid(),
        ttl_ms=cfg.ttl_ms,
        renew_ms=cfg.renew_ms,
        margin_ms=cfg.margin_ms,
        timeout_ms=cfg.timeout_ms,
        sweep_every_ms=cfg.sweep_every_ms,
        limit=cfg.limit,
        defect=cfg.defect or "none",
    )
    renewer_task = asyncio.create_task(renew_forever(), name="renewer")
    sweeper_task = asyncio.create_task(sweeper.run(), name="sweeper")
    for t in (renewer_task, sweeper_task):
        t.add_done_callback(watch)

    await stop.wait()
    reason = signal.Signals(received[0]).name if received else "a task crashed"
    log.info(None, "shutting down", reason=reason)
    # The sweep stops at its next wait; a statement in flight runs to its end (bounded by its
    # timeout). Only then is the lease handed back, so no sweep follows the release.
    grace = 2 * cfg.timeout_ms / 1000 + 1
    await asyncio.wait({sweeper_task}, timeout=grace)
    sweeper_task.cancel()
    renewer_task.cancel()
    await asyncio.gather(renewer_task, sweeper_task, return_exceptions=True)
    await lease.release(lease_db)
    lease_db.drop()
    sweep_db.drop()
    code = 1 if crashed else 0
    log.info(None, "exiting", code=code)
    return code


def main():
    try:
        cfg = Settings(os.environ)
    except SettingError as err:
        sys.stderr.write(f"seat-sweeper: {err}\n")
        return 2
    log = Log(cfg.pod, cfg.lease, cfg.log_level)
    return asyncio.run(amain(cfg, log))


if __name__ == "__main__":
    sys.exit(main())
