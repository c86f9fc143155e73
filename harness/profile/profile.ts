import path from "node:path";
import { ProfileError } from "./errors.ts";
import type { LineMatcher, LinesSpec, LogSpec, ProfileData, RoleData } from "./schema.ts";
import { placeholders, render, TEMPLATE_NAMES, TIMING_NAMES } from "./template.ts";

/** One role of a profile with its instances named and its lease resolved. */
export interface ProfileRole extends Omit<RoleData, "ids" | "idPrefix" | "lease" | "logs"> {
  name: string;
  lease: string;
  ids: string[];
  logs: LogSpec;
  /** true when the worker is told the harness's margin through {{safetyMarginMs}} */
  takesSafetyMargin: boolean;
  /** the timing values its env, files or args use ({{renewIntervalMs}}, {{queryTimeoutMs}} ...) */
  takes: string[];
}

/** What evidence a profile can give, which decides how fully each check can judge. */
export interface Capabilities {
  /** the line kinds the profile maps (not null) */
  lines: Record<keyof LinesSpec, boolean>;
  /** log lines carry the worker's own time */
  lineTime: boolean;
  /** log lines say which epoch they speak for */
  lineEpoch: boolean;
  /** log lines name the work item */
  lineItem: boolean;
  /** the lease table has an epoch column */
  leaseEpoch: boolean;
  /** some role names an effects table */
  effects: boolean;
  /** every effects table carries an epoch column */
  effectEpoch: boolean;
  /** some effects table is marked unique */
  uniqueEffects: boolean;
  /** some role names a refusals table */
  refusals: boolean;
  /** every role with work has a backlog query */
  backlog: boolean;
  /** some role has an enqueue query */
  enqueue: boolean;
  /** some role's batch is one statement with no per-item gate (work.batch "atomic") */
  atomicBatches: boolean;
}

/** A loaded, validated worker profile. */
export interface Profile {
  name: string;
  description: string;
  /** where it came from: a file path, or "built-in" */
  source: string;
  /** the folder relative paths are resolved against */
  dir: string;
  roles: ProfileRole[];
  /** the role scenarios aim at by default */
  primaryRole: string;
  data: ProfileData;
  capabilities: Capabilities;
}

const SAMPLE_VALUES: Record<string, string> = Object.fromEntries(TEMPLATE_NAMES.map((n) => [n, "x"]));

/** Turns validated profile data into a Profile, checking what the schema cannot. */
export function resolveProfile(data: ProfileData, source: string, dir: string): Profile {
  const roles = Object.entries(data.roles).map(([name, role]) => resolveRole(name, role, data));
  const ids = roles.flatMap((r) => r.ids);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new ProfileError(`roles: workload id ${JSON.stringify(dup)} is used twice`);
  const primaryRole = data.primaryRole ?? (roles[0]?.name as string);
  if (!roles.some((r) => r.name === primaryRole))
    throw new ProfileError(
      `primaryRole: ${JSON.stringify(primaryRole)} is not a role; roles: ${roles.map((r) => r.name).join(", ")}`,
    );
  for (const [name, v] of Object.entries(data.variants)) {
    for (const r of v.roles ?? [])
      if (!data.roles[r])
        throw new ProfileError(`variants.${name}.roles: ${JSON.stringify(r)} is not a role of the profile`);
    for (const [key, value] of Object.entries(v.env)) checkTemplate(value, `variants.${name}.env.${key}`, {});
  }
  checkMatchers(data.lines);
  return {
    name: data.name,
    description: data.description,
    source,
    dir,
    roles,
    primaryRole,
    data,
    capabilities: capabilitiesOf(data, roles),
  };
}

function resolveRole(name: string, role: RoleData, data: ProfileData): ProfileRole {
  // Explicit ids name the instances (and count them); otherwise <idPrefix>-a, -b, ...
  const ids =
    role.ids ??
    Array.from(
      { length: role.instances },
      (_, i) => `${role.idPrefix ?? name}-${String.fromCharCode(97 + i)}`,
    );
  const logs = role.logs ?? data.logs;
  if (logs.format === "text") checkPattern(logs.pattern, `roles.${name}.logs.pattern`);
  const files = Object.keys(role.files);
  const strings: [string, string][] = [
    ...Object.entries(role.env).map(([k, v]) => [`roles.${name}.env.${k}`, v] as [string, string]),
    ...Object.entries(role.files).map(([k, v]) => [`roles.${name}.files.${k}`, v] as [string, string]),
    ...(role.local
      ? [
          [`roles.${name}.local.command`, role.local.command] as [string, string],
          ...role.local.args.map((a, i) => [`roles.${name}.local.args.${i}`, a] as [string, string]),
          ...(role.local.cwd ? [[`roles.${name}.local.cwd`, role.local.cwd] as [string, string]] : []),
          ...Object.entries(role.local.env).map(
            ([k, v]) => [`roles.${name}.local.env.${k}`, v] as [string, string],
          ),
        ]
      : []),
    ...(role.docker
      ? [
          [`roles.${name}.docker.image`, role.docker.image] as [string, string],
          ...(role.docker.command ?? []).map(
            (a, i) => [`roles.${name}.docker.command.${i}`, a] as [string, string],
          ),
          ...Object.entries(role.docker.env).map(
            ([k, v]) => [`roles.${name}.docker.env.${k}`, v] as [string, string],
          ),
        ]
      : []),
  ];
  for (const [key, text] of strings)
    checkTemplate(text, key, Object.fromEntries(files.map((f) => [`files.${f}`, "x"])));
  const all = strings.map(([, t]) => t).join("\n");
  if (!/\{\{\s*pg\.(port|url)\b/.test(all))
    throw new ProfileError(
      `roles.${name}: nothing in env, files or args uses {{pg.port}} or {{pg.url}}, so the worker would not connect through its fault proxy`,
    );
  if (!/\{\{\s*workloadId\s*\}\}/.test(all))
    throw new ProfileError(
      `roles.${name}: nothing in env, files or args uses {{workloadId}}: each instance needs its own identity`,
    );
  const { ids: _ids, idPrefix: _prefix, lease, logs: _logs, ...rest } = role;
  const takes = TIMING_NAMES.filter((n) => new RegExp(`\\{\\{\\s*${n}\\s*\\}\\}`).test(all));
  return {
    ...rest,
    name,
    lease: lease ?? name,
    ids,
    logs,
    takesSafetyMargin: takes.includes("safetyMarginMs"),
    takes,
  };
}

function checkTemplate(text: string, keyPath: string, extra: Record<string, string>): void {
  const values = { ...SAMPLE_VALUES, ...extra };
  // env.NAME is read when the run starts; here only the known names are checked.
  for (const name of placeholders(text))
    if (!name.startsWith("env.") && values[name] === undefined) render(text, values, keyPath);
}

function checkPattern(pattern: string, keyPath: string): void {
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch (err) {
    throw new ProfileError(
      `${keyPath}: ${JSON.stringify(pattern)} does not compile: ${(err as Error).message}`,
    );
  }
  if (!re.source.includes("(?<message>"))
    throw new ProfileError(`${keyPath}: ${JSON.stringify(pattern)} needs a named group (?<message>...)`);
}

function checkMatchers(lines: LinesSpec): void {
  for (const [kind, m] of Object.entries(lines) as [string, LineMatcher][]) {
    if (m === null || typeof m === "string") continue;
    try {
      new RegExp(m.regex, m.flags);
    } catch (err) {
      throw new ProfileError(
        `lines.${kind}.regex: ${JSON.stringify(m.regex)} does not compile: ${(err as Error).message}`,
      );
    }
  }
}

function capabilitiesOf(data: ProfileData, roles: ProfileRole[]): Capabilities {
  const effects = roles.flatMap((r) => r.work.effects);
  const fields = roles.map((r) => r.logs.fields);
  const withWork = roles.filter((r) => r.work.effects.length > 0 || r.work.enqueue);
  return {
    lines: Object.fromEntries(
      Object.entries(data.lines).map(([k, m]) => [k, m !== null]),
    ) as Capabilities["lines"],
    lineTime: roles.every((r) =>
      r.logs.format === "text" ? /\(\?<time>/.test(r.logs.pattern) : r.logs.fields.time !== null,
    ),
    lineEpoch: fields.every((f) => f.epoch !== null),
    lineItem: fields.every((f) => f.item !== null),
    leaseEpoch: data.leaseTable.columns.epoch !== null,
    effects: effects.length > 0,
    effectEpoch: effects.length > 0 && effects.every((e) => e.epoch !== undefined),
    uniqueEffects: effects.some((e) => e.unique),
    refusals: roles.some((r) => r.work.refusals.length > 0) || data.lines.refused !== null,
    backlog: withWork.length > 0 && withWork.every((r) => r.work.backlog !== undefined),
    enqueue: roles.some((r) => r.work.enqueue !== undefined),
    atomicBatches: roles.some((r) => r.work.batch === "atomic"),
  };
}

/** The role a lease belongs to, or a ProfileError naming the leases there are. */
export function roleOfLease(profile: Profile, lease: string): ProfileRole {
  const role = profile.roles.find((r) => r.lease === lease);
  if (!role)
    throw new ProfileError(
      `no role of profile ${profile.name} holds lease ${JSON.stringify(lease)}; leases: ${leasesOf(profile).join(", ")}`,
    );
  return role;
}

/** Every lease the profile's roles compete for, the primary role's first. */
export function leasesOf(profile: Profile): string[] {
  const primary = profile.roles.find((r) => r.name === profile.primaryRole);
  return [...new Set([primary?.lease, ...profile.roles.map((r) => r.lease)].filter((l): l is string => !!l))];
}

/** Resolves a path of the profile (schema files, cwd) against its folder. */
export function profilePath(profile: Profile, file: string): string {
  return path.resolve(profile.dir, file);
}
