// The worker profile: data, not code, that says how to start a team's worker, how to read its log
// lines and tables, and where its work lives. Validated with zod; the JSON Schema for editors is
// generated from the same definition (npm run schema).
import { z } from "zod";

/** An SQL identifier, optionally schema-qualified: `coordination_leases`, `app.job_leases`. */
const identifier = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/,
    "must be an SQL identifier such as coordination_leases or app.job_leases",
  );
const column = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, "must be a column name such as holder_workload_id");

/** A template over the harness's values: `{{pg.host}}`, `{{ttlMs}}` ... (see README "templates"). */
const template = z.string().describe("a string with {{...}} placeholders (README: templates)");

/** A log line's meaning: an exact message, or `{ "regex": ... }` matched against the message. */
const matcher = z.union([
  z.string().min(1).describe("the exact message"),
  z.strictObject({
    regex: z.string().min(1).describe("a JavaScript regular expression matched against the message"),
    flags: z
      .string()
      .regex(/^[imsu]*$/, "only the flags i, m, s and u")
      .optional(),
  }),
  z.null().describe("not logged by this worker"),
]);

/** Which line means what. Defaults are the runbook's messages (the reference worker's). */
const lines = z.strictObject({
  leader: matcher.default("lease state = LEADER").describe("the worker became (or is again) leader"),
  expiredLocally: matcher
    .default("lease expired locally; skip batch until renewed")
    .describe("the worker's gate found its local deadline passed"),
  batchStarted: matcher.default("batch started").describe("the worker passed its gate and starts a batch"),
  itemStarted: matcher
    .default("item started")
    .describe("the worker passed its per-item gate and starts an item's effect"),
  leaseLost: matcher
    .default("lease lost")
    .describe("the worker learned from the database that the lease is gone"),
  standby: matcher
    .default({ regex: "^standby" })
    .describe("the worker stands by while another holds the lease"),
  refused: matcher
    .default(null)
    .describe(
      "the worker reports that the system's fence refused its write (a refusal known from the log, besides work.refusals tables)",
    ),
});

const timeFormat = z.enum(["auto", "rfc3339", "epoch-ms", "epoch-s"]);

/** Field paths (dot-separated for nested JSON: `fields.message`) of a JSON log line. */
const jsonFields = z.strictObject({
  time: z.string().min(1).nullable().default("ts"),
  level: z.string().min(1).nullable().default("level"),
  message: z.string().min(1).default("msg"),
  workloadId: z.string().min(1).nullable().default("workload_id"),
  lease: z.string().min(1).nullable().default("lease_name"),
  epoch: z.string().min(1).nullable().default("epoch"),
  item: z.string().min(1).nullable().default("item"),
});

const jsonLogs = z.strictObject({
  format: z.literal("json"),
  stream: z.enum(["stdout", "stderr", "both"]).default("stdout"),
  time: timeFormat.default("auto"),
  fields: jsonFields.default(jsonFields.parse({})),
});

/** Key names (in the regex's named groups or the `key=value` pairs after the message) of a text line. */
const textFields = z.strictObject({
  workloadId: z.string().min(1).nullable().default("workload_id"),
  lease: z.string().min(1).nullable().default("lease"),
  epoch: z.string().min(1).nullable().default("epoch"),
  item: z.string().min(1).nullable().default("item"),
});

const textLogs = z.strictObject({
  format: z.literal("text"),
  stream: z.enum(["stdout", "stderr", "both"]).default("stdout"),
  time: timeFormat.default("auto"),
  pattern: z
    .string()
    .min(1)
    .describe(
      "a regular expression with named groups: message (required), time, level, and any field; key=value pairs after the message are fields too",
    ),
  fields: textFields.default(textFields.parse({})),
});

const logs = z.discriminatedUnion("format", [jsonLogs, textLogs]);

/** A table where a role's effects (or its refused attempts) land; the harness's trigger journals each row. */
const effectTable = z.strictObject({
  name: z.string().min(1).optional().describe("the effect's name in reports (default: the table)"),
  table: identifier,
  on: z
    .enum(["insert", "update", "insert-or-update"])
    .default("insert")
    .describe("insert: each new row is one; update: a row whose worker or epoch column changed is one"),
  item: column.describe("the work item's id"),
  worker: column.describe("the workload id that made it"),
  epoch: column
    .optional()
    .describe("the fencing epoch it carried (absent: judged against the worker's terms)"),
  time: column
    .optional()
    .describe("the database time the system recorded for it; absent: the harness's trigger time"),
  unique: z.boolean().default(false).describe("each item must land at most once (no-duplicate-delivery)"),
});

const work = z.strictObject({
  enqueue: z.string().min(1).optional().describe("SQL that adds $1 new work items"),
  backlog: z
    .string()
    .min(1)
    .optional()
    .describe("SQL returning one number: the items waiting (the runbook's symptom)"),
  effects: z.array(effectTable).default([]),
  refusals: z.array(effectTable).default([]).describe("tables where the system records attempts it refused"),
  batch: z
    .enum(["items", "atomic"])
    .default("items")
    .describe(
      "items: each item passes the gate and makes its effect on its own; atomic: a batch is one statement (no per-item gate), so a pause aimed mid-item lands after the batch line",
    ),
});

const local = z.strictObject({
  command: template.min(1).describe("the program; pause, kill and restart act on its whole process group"),
  args: z.array(template).default([]),
  cwd: template.optional().describe("default: the folder of the profile"),
  env: z.record(z.string(), template).default({}).describe("added to the role's env on this provider only"),
});

const docker = z.strictObject({
  image: template.min(1),
  command: z.array(template).optional(),
  env: z.record(z.string(), template).default({}).describe("added to the role's env on this provider only"),
});

const compose = z.strictObject({
  services: z.array(z.string().min(1)).min(1).describe("one compose service per instance, in order"),
});

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/i, "must be letters, digits, - and _ (it names folders and proxies)");

const variant = z.strictObject({
  description: z.string().default(""),
  env: z.record(z.string(), template).default({}),
  roles: z.array(z.string()).optional().describe("the roles that run it (default: every role)"),
  caughtBy: z
    .array(
      z.strictObject({
        scenario: z.string().min(1),
        check: z.string().min(1),
        set: z
          .record(z.string(), z.number())
          .optional()
          .describe("knob values of the scenario for this catch, e.g. { latencyMs: 300 }"),
      }),
    )
    .default([])
    .describe("the negative control: which scenario and check must catch it (at which knob values)"),
});

const role = z.strictObject({
  lease: z.string().min(1).optional().describe("the lease it competes for (default: the role's name)"),
  instances: z.number().int().min(1).max(8).default(2),
  ids: z.array(id).optional().describe("workload ids of the instances (default: <idPrefix>-a, -b, ...)"),
  idPrefix: id.optional(),
  local: local.optional(),
  docker: docker.optional(),
  compose: compose.optional(),
  env: z.record(z.string(), template).default({}),
  files: z
    .record(z.string().regex(/^[\w.-]+$/, "a file name"), template)
    .default({})
    .describe("files written for each instance; {{files.NAME}} is the path"),
  logs: logs.optional().describe("overrides the profile's logs for this role"),
  work: work.default(work.parse({})),
  ttlMs: z.number().int().positive().optional().describe("a ttl the worker uses whatever the harness asks"),
  safetyMarginMs: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      "the worker's margin before expires_at (default: {{safetyMarginMs}} when its env uses it, else 0)",
    ),
  renewIntervalMs: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("how often it renews (default: {{renewIntervalMs}} when its env uses it, else unknown)"),
  statementTimeoutMs: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      "how long it waits for a statement before giving up on it (default: {{queryTimeoutMs}} when its env uses it, else unknown)",
    ),
  clockFaults: z
    .enum(["all", "wall", "none"])
    .default("all")
    .describe(
      "which clocks libfaketime can move in its runtime: all (wall and monotonic), wall (a step of the wall clock only), none (docs/faults.md: runtimes)",
    ),
});

const leaseTable = z.strictObject({
  table: identifier.default("coordination_leases"),
  columns: z
    .strictObject({
      name: column.default("lease_name"),
      holder: column.default("holder_workload_id"),
      epoch: column.nullable().default("fencing_epoch"),
      expiresAt: column.default("expires_at"),
      acquiredAt: column.nullable().default("acquired_at"),
      renewedAt: column.nullable().default("renewed_at"),
    })
    .default({
      name: "lease_name",
      holder: "holder_workload_id",
      epoch: "fencing_epoch",
      expiresAt: "expires_at",
      acquiredAt: "acquired_at",
      renewedAt: "renewed_at",
    }),
  expiresAtUnit: z
    .enum(["timestamptz", "epoch-ms", "epoch-s"])
    .default("timestamptz")
    .describe("how the lease table's time columns (expiresAt, acquiredAt, renewedAt) store time"),
});

const schema = z.strictObject({
  files: z
    .array(z.string().min(1))
    .default([])
    .describe("SQL files applied before the workers start (relative to the profile)"),
  migratesItself: z
    .strictObject({
      waitForTables: z.array(identifier).min(1),
      timeoutMs: z.number().int().positive().default(30_000),
    })
    .optional()
    .describe("the worker creates its tables itself: the harness waits for them"),
});

/** The whole profile as a user writes it (before defaults). */
export const profileSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1).default("worker"),
  description: z.string().default(""),
  roles: z.record(id, role).refine((r) => Object.keys(r).length > 0, "needs at least one role"),
  primaryRole: z.string().optional().describe("the role scenarios aim at by default (default: the first)"),
  schema: schema.default(schema.parse({})),
  leaseTable: leaseTable.default(leaseTable.parse({})),
  logs: logs.default(jsonLogs.parse({ format: "json" })),
  lines: lines.default(lines.parse({})),
  variants: z.record(id, variant).default({}),
});

/** A profile as written (every default optional). */
export type ProfileInput = z.input<typeof profileSchema>;
/** A validated profile with its defaults filled in. */
export type ProfileData = z.output<typeof profileSchema>;
export type RoleData = ProfileData["roles"][string];
export type LogSpec = z.output<typeof logs>;
export type LineMatcher = z.output<typeof matcher>;
export type LinesSpec = z.output<typeof lines>;
export type EffectTableData = z.output<typeof effectTable>;
export type LeaseTableData = z.output<typeof leaseTable>;
