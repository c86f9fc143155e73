/** Log levels, quietest last, as zerolog names them. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";

/** Where the proxy server writes what it does: one structured entry per call. */
export type ProxyLog = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

const rank: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };

/** A ProxyLog that drops everything (the in-process default). */
export const silentLog: ProxyLog = () => {};

/**
 * A ProxyLog writing JSON lines (Toxiproxy logs JSON lines on stdout) at `minLevel` and above;
 * messages in `always` are written at any level (the "listening" line a parent process waits for).
 */
export function jsonLineLog(
  minLevel: LogLevel,
  write: (line: string) => void,
  always: string[] = [],
): ProxyLog {
  return (level, msg, fields) => {
    if (rank[level] < rank[minLevel] && !always.includes(msg)) return;
    write(`${JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields })}\n`);
  };
}

/** True when `text` names a log level. */
export function isLogLevel(text: string): text is LogLevel {
  return text in rank;
}
