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

// A signal's default action would end the process without 'exit' handlers: exit through them.
function onSignal(signal: NodeJS.Signals): void {
  process.exit(128 + (os.constants.signals[signal] ?? 0));
}

/**
 * Registers a synchronous cleanup to run at process exit, also on Ctrl-C (SIGINT), SIGTERM and
 * SIGHUP; returns a function that unregisters it.
 */
export function onExitSync(handler: () => void): () => void {
  if (!installed) {
    installed = true;
    process.on("exit", runAll);
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);
  }
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
