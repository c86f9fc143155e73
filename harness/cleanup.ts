import os from "node:os";

// Last-resort cleanup: whatever a run started is registered here before first use, so that it is
// gone even when the process exits abruptly (an uncaught error, process.exit, a signal). Handlers
// must be synchronous because the 'exit' event cannot wait: kill by pid, remove by path.

const handlers = new Set<() => void>();
let installed = false;

function runAll(): void {
  for (const handler of [...handlers]) {
    handlers.delete(handler);
    try {
      handler();
    } catch {
      // Best effort: one failed cleanup must not stop the others.
    }
  }
}

let deferred: ((signal: NodeJS.Signals) => void) | null = null;

// A signal's default action would end the process without 'exit' handlers: exit through them. A
// command that stops gracefully (watch) takes the first Ctrl-C itself; a second one exits at once.
function onSignal(signal: NodeJS.Signals): void {
  const handler = deferred;
  if (handler) {
    deferred = null;
    handler(signal);
    return;
  }
  process.exit(128 + (os.constants.signals[signal] ?? 0));
}

/** Lets the first SIGINT/SIGTERM/SIGHUP call `handler` (a graceful stop) instead of exiting; returns the undo. */
export function deferSignals(handler: (signal: NodeJS.Signals) => void): () => void {
  install();
  deferred = handler;
  return () => {
    if (deferred === handler) deferred = null;
  };
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", runAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);
}

/**
 * Registers a synchronous cleanup to run at process exit, also on Ctrl-C (SIGINT), SIGTERM and
 * SIGHUP; returns a function that unregisters it.
 */
export function onExitSync(handler: () => void): () => void {
  install();
  handlers.add(handler);
  return () => {
    handlers.delete(handler);
  };
}

/** Sends a signal to a pid, ignoring a process that is already gone. */
export function killQuietly(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: already gone.
  }
}

/** True when a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
