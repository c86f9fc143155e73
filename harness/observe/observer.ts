import fs from "node:fs";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { DbEndpoint } from "../env/provider.ts";
import type { BacklogSample, Effect, LeaseChange, RejectedEffect } from "./evidence.ts";

const SQL_DIR = new URL("../../fixtures/sql/", import.meta.url);

// pg returns bigint as string and timestamptz as Date; evidence wants numbers and wall ms.
const ms = (d: Date | null): number | null => (d === null ? null : d.getTime());

/** The lease row as the runbook's psql query shows it. */
export interface LeaseRow {
  leaseName: string;
  holder: string | null;
  epoch: number;
  expiresAt: number | null;
  alreadyExpired: boolean;
}

/**
 * The harness's own direct connection to Postgres (never behind a fault proxy): applies the
 * schema, samples the backlog, reads the lease row and collects the recorded history at the end.
 */
export class Observer {
  private constructor(private readonly client: pg.Client) {}

  /** Connects to the endpoint directly. */
  static async connect(db: DbEndpoint): Promise<Observer> {
    const client = new pg.Client({ ...db, application_name: "lease-chaos/observer" });
    client.on("error", () => {});
    await client.connect();
    return new Observer(client);
  }

  /** Creates the schema and the observation triggers unless they are already there (an attached stack). */
  async applySchema(): Promise<void> {
    const [row] = (await this.client.query("SELECT to_regclass('lease_history') IS NOT NULL AS ready")).rows;
    if (row?.ready) return;
    for (const file of ["schema.sql", "observe.sql"]) {
      await this.client.query(fs.readFileSync(fileURLToPath(new URL(file, SQL_DIR)), "utf8"));
    }
  }

  /** SELECT lease_name, holder_workload_id, expires_at, expires_at < clock_timestamp() AS already_expired. */
  async leaseRow(leaseName: string): Promise<LeaseRow | null> {
    const { rows } = await this.client.query(
      `SELECT lease_name, holder_workload_id, fencing_epoch, expires_at, expires_at < clock_timestamp() AS already_expired
       FROM coordination_leases WHERE lease_name = $1`,
      [leaseName],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      leaseName: r.lease_name,
      holder: r.holder_workload_id,
      epoch: Number(r.fencing_epoch),
      expiresAt: ms(r.expires_at),
      alreadyExpired: r.already_expired === true,
    };
  }

  /** The runbook's symptoms: pending outbox rows and overdue reservations, on the database clock. */
  async sampleBacklog(): Promise<BacklogSample> {
    const { rows } = await this.client.query(
      `SELECT clock_timestamp() AS ts,
         (SELECT count(*) FROM audit_outbox WHERE pending_forward) AS pending,
         (SELECT count(*) FROM reservations WHERE current_state = 'reserved' AND ttl_expires_at < clock_timestamp()) AS overdue`,
    );
    const r = rows[0];
    return {
      kind: "backlog",
      ts: ms(r.ts) ?? Date.now(),
      pendingForward: Number(r.pending),
      overdueReservations: Number(r.overdue),
    };
  }

  /** Inserts new work: outbox events, and reservations whose ttl runs out after the given delays. */
  async produce(outboxEvents: number, reservationTtlsMs: number[]): Promise<void> {
    if (outboxEvents > 0) {
      await this.client.query(
        `INSERT INTO audit_outbox (payload) SELECT jsonb_build_object('n', g) FROM generate_series(1, $1) g`,
        [outboxEvents],
      );
    }
    if (reservationTtlsMs.length > 0) {
      await this.client.query(
        `INSERT INTO reservations (ttl_expires_at)
         SELECT clock_timestamp() + t * interval '1 millisecond' FROM unnest($1::int[]) t`,
        [reservationTtlsMs],
      );
    }
  }

  /** Reads the whole recorded history: lease changes, accepted and refused effects. */
  async collect(): Promise<Array<LeaseChange | Effect | RejectedEffect>> {
    const history = await this.client.query(
      `SELECT changed_at, op, lease_name, holder_workload_id, fencing_epoch, acquired_at, renewed_at, expires_at
       FROM lease_history ORDER BY change_id`,
    );
    const changes: LeaseChange[] = history.rows.map((r) => ({
      kind: "lease-change",
      ts: ms(r.changed_at) ?? 0,
      op: r.op,
      leaseName: r.lease_name,
      holder: r.holder_workload_id,
      epoch: Number(r.fencing_epoch),
      acquiredAt: ms(r.acquired_at),
      renewedAt: ms(r.renewed_at),
      expiresAt: ms(r.expires_at),
    }));
    const effect =
      (type: Effect["type"]) =>
      (r: Record<string, unknown>): Effect => ({
        kind: "effect",
        type,
        ts: ms(r.at as Date) ?? 0,
        leaseName: String(r.lease_name),
        worker: String(r.worker),
        epoch: r.epoch === null ? null : Number(r.epoch),
        itemId: String(r.item),
      });
    const deliveries = await this.client.query(
      `SELECT accepted_at AS at, lease_name, deliverer AS worker, epoch, event_id AS item FROM delivery_sink ORDER BY delivery_id`,
    );
    const marks = await this.client.query(
      `SELECT forwarded_at AS at, 'outbox-forwarder' AS lease_name, forwarded_by AS worker, forwarded_epoch AS epoch,
         event_id AS item FROM audit_outbox WHERE forwarded_at IS NOT NULL ORDER BY event_id`,
    );
    const sweeps = await this.client.query(
      `SELECT swept_at AS at, 'ttl-sweeper' AS lease_name, swept_by AS worker, swept_epoch AS epoch,
         reservation_id AS item FROM reservations WHERE swept_at IS NOT NULL ORDER BY reservation_id`,
    );
    const rejections = await this.client.query(
      `SELECT rejected_at, lease_name, deliverer, epoch, event_id, highest_epoch FROM delivery_sink_rejections ORDER BY rejection_id`,
    );
    return [
      ...changes,
      ...deliveries.rows.map(effect("delivery")),
      ...marks.rows.map(effect("forward-mark")),
      ...sweeps.rows.map(effect("sweep")),
      ...rejections.rows.map(
        (r): RejectedEffect => ({
          kind: "rejected-effect",
          ts: ms(r.rejected_at) ?? 0,
          leaseName: r.lease_name,
          worker: r.deliverer,
          epoch: r.epoch === null ? null : Number(r.epoch),
          itemId: String(r.event_id),
          highestEpoch: Number(r.highest_epoch),
        }),
      ),
    ];
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }
}
