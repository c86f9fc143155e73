#!/usr/bin/python3
"""A job runner that holds the `nightly-jobs` lease in Postgres while it works.

An example of a team's own worker driven by lease-chaos through a profile
(lease-chaos.config.json beside this file): its own environment names, its own
tables (schema.sql), its own plain-text log format and its own fencing. Debian's
python3 and python3-psycopg2 only; the standard library otherwise.

Environment:
  JOBS_DB_HOST JOBS_DB_PORT JOBS_DB_USER JOBS_DB_PASSWORD JOBS_DB_NAME   the database
  POD_NAME          this instance's identity (required)
  ELECTION_LEASE    the lease to compete for (default nightly-jobs)
  JOBS_CONFIG       an INI file with the timings (see README.md); the variables
                    ELECTION_TTL_MS ... JOBS_LOG_LEVEL override it
  JOBS_FAULTY       a deliberately broken variant: trust-cached-state,
                    batch-gate-only or unfenced-finish (see FAULTS)

Threads: the renewer holds the lease on one connection, the runner works on
another, the main thread only waits for SIGTERM/SIGINT.
"""

import configparser
import datetime
import json
import os
import select
import signal
import sys
import threading
import time

import psycopg2
import psycopg2.extensions as ext

FAULTS = {
    "trust-cached-state": "the gate looks at the cached LEADER state only, never at the local deadline",
    "batch-gate-only": "the gate is asked once per batch, not again before each job",
    "unfenced-finish": "a job is finished without checking the lease row (no fence, no refusals)",
}

# --------------------------------------------------------------------------- configuration

# (attribute, INI section, INI key, overriding env name)
SETTINGS = [
    ("ttl_ms", "election", "ttl_ms", "ELECTION_TTL_MS"),
    ("renew_ms", "election", "renew_every_ms", "ELECTION_RENEW_EVERY_MS"),
    ("retry_ms", "election", "retry_every_ms", "ELECTION_RETRY_EVERY_MS"),
    ("margin_ms", "election", "safety_margin_ms", "ELECTION_SAFETY_MARGIN_MS"),
    ("statement_timeout_ms", "election", "statement_timeout_ms", "JOBS_STATEMENT_TIMEOUT_MS"),
    ("poll_ms", "jobs", "poll_every_ms", "JOBS_POLL_EVERY_MS"),
    ("batch_size", "jobs", "batch_size", "JOBS_BATCH_SIZE"),
    ("work_ms", "jobs", "work_per_job_ms", "JOBS_WORK_PER_JOB_MS"),
]


class ConfigError(Exception):
    """A setting that is missing or malformed; the worker exits with status 2."""


class Config:
    def __init__(self, env):
        self.me = env.get("POD_NAME", "")
        if not self.me:
            raise ConfigError("POD_NAME is required (this instance's identity)")
        self.lease = env.get("ELECTION_LEASE") or "nightly-jobs"
        self.faulty = env.get("JOBS_FAULTY") or None
        if self.faulty is not None and self.faulty not in FAULTS:
            raise ConfigError(f"JOBS_FAULTY={self.faulty!r} is not one of {', '.join(FAULTS)}")
        self.db = {
            "host": env.get("JOBS_DB_HOST", "127.0.0.1"),
            "port": env.get("JOBS_DB_PORT", "5432"),
            "user": env.get("JOBS_DB_USER", "postgres"),
            "password": env.get("JOBS_DB_PASSWORD", ""),
            "dbname": env.get("JOBS_DB_NAME", "postgres"),
        }
        self.config_file = env.get("JOBS_CONFIG") or None
        ini = configparser.ConfigParser(inline_comment_prefixes=(";", "#"))
        if self.config_file is not None:
            try:
                with open(self.config_file, encoding="utf-8") as f:
                    ini.read_file(f)
            except (OSError, configparser.Error) as err:
                raise ConfigError(f"JOBS_CONFIG {self.config_file}: {err}") from err

        raw = {}
        for attr, section, key, env_name in SETTINGS:
            if env.get(env_name):
                raw[attr] = (env[env_name], env_name)
            elif ini.has_option(section, key):
                raw[attr] = (ini.get(section, key), f"[{section}] {key} in {self.config_file}")

        def number(attr, default):
            if attr not in raw:
                return default
            text, where = raw[attr]
            try:
                value = int(text.strip())
            except ValueError:
                raise ConfigError(f"{where} must be a whole number of ms, got {text!r}") from None
            if value < 0:
                raise ConfigError(f"{where} must not be negative, got {value}")
            return value

        self.ttl_ms = number("ttl_ms", 10_000)
        if self.ttl_ms < 200:
            raise ConfigError(f"the lease ttl must be at least 200 ms, got {self.ttl_ms}")
        self.renew_ms = number("renew_ms", self.ttl_ms // 4)
        self.retry_ms = number("retry_ms", self.ttl_ms // 10)
        self.margin_ms = number("margin_ms", max(50, self.ttl_ms // 10))
        if self.margin_ms >= self.ttl_ms:
            raise ConfigError(
                f"the safety margin ({self.margin_ms} ms) must be below the ttl ({self.ttl_ms} ms)"
            )
        self.statement_timeout_ms = max(1, number("statement_timeout_ms", self.ttl_ms // 2))
        self.poll_ms = number("poll_ms", self.ttl_ms // 10)
        self.batch_size = max(1, number("batch_size", 5))
        self.work_ms = number("work_ms", 10)
        self.log_level = (env.get("JOBS_LOG_LEVEL") or ini.get("log", "level", fallback="info")).lower()
        if self.log_level not in LEVELS:
            raise ConfigError(f"log level {self.log_level!r} is not one of {', '.join(LEVELS)}")


# --------------------------------------------------------------------------- log

LEVELS = {"debug": 10, "info": 20, "warn": 30, "error": 40}


def _render(value):
    """A field value: bare when it has no space, quote or '=', else a JSON string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text == "" or any(c in text for c in ' "=\\\t\n'):
        return json.dumps(text)
    return text


class Log:
    """One plain-text line per event on stdout:

    2026-12-01T10:00:00.123456Z INFO  jobs[jobs-a@nightly-jobs] now leading term=3 valid_until_ms=...

    wall-clock time (UTC, microseconds), level, identity@lease, a message, then key=value fields.
    """

    def __init__(self, me, lease, level):
        self._prefix = f"jobs[{me}@{lease}]"
        self._min = LEVELS[level]
        self._lock = threading.Lock()

    def _emit(self, level, message, fields):
        if LEVELS[level] < self._min:
            return
        tail = "".join(f" {k}={_render(v)}" for k, v in fields.items() if v is not None)
        with self._lock:
            # The time is taken under the lock, so lines from both threads are in time order.
            now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            try:
                sys.stdout.write(f"{now} {level.upper():<5} {self._prefix} {message}{tail}\n")
                sys.stdout.flush()
            except (BrokenPipeError, ValueError):
                pass

    def debug(self, message, **fields):
        self._emit("debug", message, fields)

    def info(self, message, **fields):
        self._emit("info", message, fields)

    def warn(self, message, **fields):
        self._emit("warn", message, fields)

    def error(self, message, **fields):
        self._emit("error", message, fields)


# --------------------------------------------------------------------------- database


class Indeterminate(Exception):
    """No reply within the statement timeout: the statement may or may not have committed."""


class DbError(Exception):
    """The database refused the statement or the connection broke: it did not commit."""


def _message(err):
    """libpq's messages span lines ("...\n\tIs the server running..."): one line for the log."""
    return " ".join(str(err).split()) or type(err).__name__


def _wait(conn, deadline, what):
    """Drives an async psycopg2 connection until its operation completes or the deadline passes.

    psycopg2's blocking calls wait forever on a blackholed socket, so every wait here goes
    through select() with what is left of the deadline (monotonic clock). The connection is polled
    before the deadline is checked, so a reply that arrived while the process was SIGSTOPped is
    still taken.
    """
    while True:
        try:
            state = conn.poll()
        except psycopg2.Error as err:
            raise DbError(f"{what}: {_message(err)}") from err
        if state == ext.POLL_OK:
            return
        left = deadline - time.monotonic()
        if left <= 0:
            raise Indeterminate(f"{what}: no reply within the statement timeout")
        fd = conn.fileno()
        if state == ext.POLL_READ:
            select.select([fd], [], [], left)
        elif state == ext.POLL_WRITE:
            select.select([], [fd], [], left)
        else:
            raise DbError(f"{what}: unexpected poll state {state}")


class Db:
    """One connection, opened on demand and dropped after any failure or timeout."""

    def __init__(self, params, app_name, timeout_ms, lock_timeout_ms=None):
        self._params = params
        self._app_name = app_name
        self._timeout_s = timeout_ms / 1000
        self._timeout_ms = timeout_ms
        # A statement that waits on a lock gives up sooner than one that just runs long: a job's
        # fence holds the lease row's share lock while it waits, and renewals queue behind it.
        self._lock_timeout_ms = lock_timeout_ms if lock_timeout_ms is not None else timeout_ms
        self._conn = None

    def _open(self):
        deadline = time.monotonic() + self._timeout_s
        try:
            conn = psycopg2.connect(
                **self._params,
                application_name=self._app_name,
                connect_timeout=max(1, round(self._timeout_s)),
                # The server gives up on a statement at the same time we do (a lock wait, say).
                options=f"-c statement_timeout={self._timeout_ms} -c lock_timeout={self._lock_timeout_ms}",
                async_=1,
            )
        except psycopg2.Error as err:
            raise DbError(f"connect: {_message(err)}") from err
        try:
            _wait(conn, deadline, "connect")
        except Indeterminate:
            conn.close()
            raise DbError("connect: no answer within the statement timeout") from None
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    def execute(self, sql, args):
        """Runs one statement (async connections autocommit); returns (rows, monotonic send time)."""
        if self._conn is None:
            self._open()
        conn = self._conn
        try:
            cur = conn.cursor()
            sent = time.monotonic()
            cur.execute(sql, args)
            _wait(conn, sent + self._timeout_s, "statement")
            rows = cur.fetchall() if cur.description is not None else []
            cur.close()
            return rows, sent
        except psycopg2.Error as err:
            self.drop()
            raise DbError(_message(err)) from err
        except BaseException:
            # Indeterminate or anything else: the connection's state is unknown, never reuse it.
            self.drop()
            raise

    def drop(self):
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()  # non-blocking: a blackholed peer cannot hold us here
            except psycopg2.Error:
                pass


# --------------------------------------------------------------------------- the lease

# Every statement reads the database clock once (jobs_now_ms() in schema.sql) and compares
# epoch milliseconds; the worker's own wall clock never enters the protocol.
ACQUIRE = """
WITH clock AS (SELECT jobs_now_ms() AS now_ms),
granted AS (
  INSERT INTO job_leases AS l (name, owner, term, granted_at_ms, valid_until_ms)
  SELECT %(lease)s, %(me)s, 1, now_ms, now_ms + %(ttl)s FROM clock
  ON CONFLICT (name) DO UPDATE
    SET owner = EXCLUDED.owner, term = l.term + 1,
        granted_at_ms = EXCLUDED.granted_at_ms, valid_until_ms = EXCLUDED.valid_until_ms
    WHERE l.owner IS NULL OR l.valid_until_ms IS NULL OR l.valid_until_ms < EXCLUDED.granted_at_ms
  RETURNING owner, term, valid_until_ms
)
SELECT TRUE, owner, term, valid_until_ms FROM granted
UNION ALL
SELECT FALSE, owner, term, valid_until_ms FROM job_leases
WHERE name = %(lease)s AND NOT EXISTS (SELECT 1 FROM granted)
"""

RENEW = """
WITH clock AS (SELECT jobs_now_ms() AS now_ms)
UPDATE job_leases SET valid_until_ms = clock.now_ms + %(ttl)s
FROM clock
WHERE name = %(lease)s AND owner = %(me)s AND term = %(term)s AND valid_until_ms >= clock.now_ms
RETURNING valid_until_ms
"""

# Never moves the expiry later: a release after expiry must not look like a longer term.
RELEASE = """
UPDATE job_leases SET owner = NULL, valid_until_ms = LEAST(valid_until_ms, jobs_now_ms())
WHERE name = %(lease)s AND owner = %(me)s AND term = %(term)s
RETURNING term
"""

_UNSEEN = object()


class Lease:
    """The cached lease state plus a local deadline on the monotonic clock.

    The deadline is anchored at the moment the successful acquire/renew was SENT, so a slow reply
    cannot stretch it past the database's valid_until_ms: deadline = sent + ttl - margin.
    """

    def __init__(self, cfg, db, log):
        self._cfg = cfg
        self._db = db
        self._log = log
        self._lock = threading.RLock()
        self.leading = False
        self.term = None
        self.deadline = 0.0  # monotonic seconds
        self.valid_until_ms = None  # the database's expiry from the last acquire/renew
        self._lapsed = False  # the gate saw the deadline pass; cleared by a renew or an acquire
        self._seen_owner = _UNSEEN

    def _args(self, **extra):
        return {"lease": self._cfg.lease, "me": self._cfg.me, "ttl": self._cfg.ttl_ms, **extra}

    def _anchor(self, sent):
        self.deadline = sent + (self._cfg.ttl_ms - self._cfg.margin_ms) / 1000

    # -- the gate

    def leading_term(self):
        """The gate: the term this worker may act for right now, or None."""
        with self._lock:
            if self._cfg.faulty == "trust-cached-state":
                return self.term if self.leading else None
            if not self.leading:
                return None
            if time.monotonic() < self.deadline:
                return self.term
            if not self._lapsed:
                self._lapsed = True
                self._log.warn(
                    "local lease deadline passed, work on hold",
                    term=self.term,
                    valid_until_ms=self.valid_until_ms,
                    overdue_ms=round((time.monotonic() - self.deadline) * 1000),
                )
            return None

    # -- the renewer's steps

    def step(self):
        """One renewer step: renew while leading, else try to acquire. Returns seconds to the next."""
        with self._lock:
            leading = self.leading
        return self._renew() if leading else self._acquire()

    def _renew(self):
        with self._lock:
            term = self.term
        self.leading_term()  # a lapse is logged before whatever the renew brings
        try:
            rows, sent = self._db.execute(RENEW, self._args(term=term))
        except (Indeterminate, DbError) as err:
            # No answer or no connection: the old deadline stands, and the gate enforces it.
            self._log.warn("could not extend lease", term=term, error=str(err))
            self.leading_term()
            return self._cfg.retry_ms / 1000
        with self._lock:
            if not self.leading or self.term != term:
                return self._cfg.renew_ms / 1000  # stepped down meanwhile (a refused job)
            self.leading_term()
            if not rows:
                self._lose("the lease row no longer shows this owner and term, or it expired")
            else:
                self._anchor(sent)
                self.valid_until_ms = rows[0][0]
                if self._lapsed and time.monotonic() < self.deadline:
                    self._lapsed = False
                    self._log.info("now leading", term=term, valid_until_ms=self.valid_until_ms, via="renew")
                else:
                    self._log.debug("lease extended", term=term, valid_until_ms=self.valid_until_ms)
                return self._cfg.renew_ms / 1000
        return self._acquire()

    def _acquire(self):
        try:
            rows, sent = self._db.execute(ACQUIRE, self._args())
        except (Indeterminate, DbError) as err:
            # An acquire that may have committed is safe to forget: the row then shows us as the
            # owner of an unexpired term we do not know, and we stand by until it expires.
            self._log.warn("could not try for the lease", error=str(err))
            return self._cfg.retry_ms / 1000
        granted, owner, term, valid_until_ms = rows[0] if rows else (False, None, None, None)
        if granted:
            with self._lock:
                self.leading = True
                self.term = term
                self.valid_until_ms = valid_until_ms
                self._anchor(sent)
                self._lapsed = False
                self._seen_owner = _UNSEEN
                self._log.info("now leading", term=term, valid_until_ms=valid_until_ms, via="acquire")
            return self._cfg.renew_ms / 1000
        if owner != self._seen_owner:
            self._seen_owner = owner
            self._log.info(
                "standing by", owner=owner or "-", owner_term=term, valid_until_ms=valid_until_ms
            )
        return self._cfg.retry_ms / 1000

    def _lose(self, reason):
        self.leading = False
        self._lapsed = False
        self._log.warn("lease no longer ours", term=self.term, reason=reason)

    def step_down(self, term, reason):
        """Stops leading `term` at once (the fence refused it); a newer term of ours is left alone."""
        with self._lock:
            if not self.leading or self.term != term:
                return
            self.leading_term()  # a passed deadline is logged before the loss
            self._lose(reason)

    def release(self, db):
        """Hands the lease back on shutdown, only if the row still shows our owner and term."""
        with self._lock:
            if not self.leading or self.term is None:
                return
            term = self.term
            self.leading = False
        try:
            rows, _ = db.execute(RELEASE, self._args(term=term))
            self._log.info("lease handed back", term=term, matched=bool(rows))
        except (Indeterminate, DbError) as err:
            self._log.warn("could not hand the lease back", term=term, error=str(err))


# --------------------------------------------------------------------------- the work

FETCH = "SELECT job_id FROM pending_jobs WHERE done_at IS NULL ORDER BY job_id LIMIT %(n)s"

# The fenced effect: see finish_job() in schema.sql.
FINISH = "SELECT finish_job(%(job)s, %(lease)s, %(me)s, %(term)s)"

# The unfenced-finish fault: marks and records the job whoever holds the lease.
FINISH_UNFENCED = """
WITH marked AS (
  UPDATE pending_jobs SET done_at = clock_timestamp(), done_by = %(me)s, done_term = %(term)s
  WHERE job_id = %(job)s AND done_at IS NULL
  RETURNING job_id
)
INSERT INTO job_results (job_id, lease, done_by, term, output)
SELECT job_id, %(lease)s, %(me)s, %(term)s, 'ok' FROM marked
RETURNING 'done'
"""


class Runner:
    """The work loop: the gate before every batch and again before every job."""

    def __init__(self, cfg, db, lease, log, stop):
        self._cfg = cfg
        self._db = db
        self._lease = lease
        self._log = log
        self._stop = stop

    def run(self):
        batch = 0
        while not self._stop.wait(self._cfg.poll_ms / 1000):
            term = self._lease.leading_term()
            if term is None:
                continue
            batch += 1
            self._log.info("picking up batch", term=term, batch=batch)
            try:
                rows, _ = self._db.execute(FETCH, {"n": self._cfg.batch_size})
            except (Indeterminate, DbError) as err:
                self._log.warn("could not fetch jobs", term=term, batch=batch, error=str(err))
                continue
            done = refused = 0
            for (job,) in rows:
                if self._stop.is_set():
                    break
                # The batch's term must still be ours: a re-acquire mid-batch starts a new batch.
                if self._cfg.faulty != "batch-gate-only" and self._lease.leading_term() != term:
                    break
                self._log.info("working on job", term=term, job=job)
                if self._cfg.work_ms > 0 and self._stop.wait(self._cfg.work_ms / 1000):
                    self._log.info("job left for the next leader", term=term, job=job, reason="shutting down")
                    break
                try:
                    outcome = self._finish(job, term)
                except (Indeterminate, DbError) as err:
                    self._log.warn("could not finish job", term=term, job=job, error=str(err))
                    break
                if outcome == "done":
                    done += 1
                    self._log.info("job finished", term=term, job=job)
                elif outcome == "already-done":
                    self._log.info("job was already finished", term=term, job=job)
                else:
                    refused += 1
                    self._log.warn("job refused by the lease fence", term=term, job=job)
                    self._lease.step_down(term, "the fence refused a job of this term")
            # Every batch, empty ones too: "this batch's gate passed and it ended" is evidence.
            self._log.info("batch over", term=term, batch=batch, jobs=len(rows), done=done, refused=refused)

    def _finish(self, job, term):
        args = {"job": job, "lease": self._cfg.lease, "me": self._cfg.me, "term": term}
        if self._cfg.faulty == "unfenced-finish":
            rows, _ = self._db.execute(FINISH_UNFENCED, args)
            return "done" if rows else "already-done"
        rows, _ = self._db.execute(FINISH, args)
        return rows[0][0]


# --------------------------------------------------------------------------- main


def _loop(crashed, log, name, body):
    try:
        body()
    except BaseException as err:  # a crashed thread must not leave a silent half-worker behind
        log.error("thread crashed, exiting", thread=name, error=f"{type(err).__name__}: {err}")
        crashed.set()
        os.kill(os.getpid(), signal.SIGTERM)  # the main thread's sigwait() takes it from here


def main():
    try:
        cfg = Config(os.environ)
    except ConfigError as err:
        sys.stderr.write(f"jobs worker: {err}\n")
        return 2
    log = Log(cfg.me, cfg.lease, cfg.log_level)
    stop = threading.Event()
    crashed = threading.Event()
    lease_db = Db(cfg.db, f"{cfg.me}/lease", cfg.statement_timeout_ms)
    work_db = Db(cfg.db, f"{cfg.me}/work", cfg.statement_timeout_ms, max(1, cfg.statement_timeout_ms // 4))
    lease = Lease(cfg, lease_db, log)
    runner = Runner(cfg, work_db, lease, log, stop)

    def renew_forever():
        while not stop.is_set():
            stop.wait(lease.step())

    # Signals are taken by sigwait() in the main thread only; the threads inherit the mask.
    wanted = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, wanted)
    log.info(
        "worker up",
        pid=os.getpid(),
        ttl_ms=cfg.ttl_ms,
        renew_ms=cfg.renew_ms,
        margin_ms=cfg.margin_ms,
        poll_ms=cfg.poll_ms,
        statement_timeout_ms=cfg.statement_timeout_ms,
        faulty=cfg.faulty or "none",
        config=cfg.config_file or "-",
    )
    threads = {}
    for name, body in (("renewer", renew_forever), ("runner", runner.run)):
        threads[name] = threading.Thread(target=_loop, args=(crashed, log, name, body), name=name, daemon=True)
        threads[name].start()
    renewer, worker = threads["renewer"], threads["runner"]

    received = signal.sigwait(wanted)
    log.info("worker stopping", reason=signal.Signals(received).name)
    stop.set()
    # The runner stops at its next gate or mid-job (leaving the job undone), and at worst within
    # one statement timeout; only then is the lease handed back, so no work follows the release.
    grace_s = 2 * cfg.statement_timeout_ms / 1000 + 1
    worker.join(grace_s)
    renewer.join(grace_s)
    # A renewer still inside a statement owns its connection: release on a fresh one then.
    if renewer.is_alive():
        lease_db = Db(cfg.db, f"{cfg.me}/release", cfg.statement_timeout_ms)
    lease.release(lease_db)
    lease_db.drop()
    work_db.drop()
    code = 1 if crashed.is_set() else 0
    log.info("worker exiting", code=code)
    sys.stdout.flush()
    os._exit(code)  # daemon threads may still sit in a select(); do not wait for them


if __name__ == "__main__":
    sys.exit(main())
