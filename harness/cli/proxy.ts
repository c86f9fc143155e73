import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { UsageError } from "../errors.ts";
import { jsonLineLog, ProxyStartError, startProxyServer } from "../proxy/index.ts";
import { isLogLevel } from "../proxy/log.ts";
import { intOption, type OptionSpecs, optionsHelp, parseOptions } from "./args.ts";
import { type Command, EXIT } from "./command.ts";

const specs: OptionSpecs = {
  host: { type: "string", default: "127.0.0.1", help: "API listen host (loopback by default)" },
  port: { type: "string", default: "8474", help: "API port; 0 picks a free one and prints it first" },
  seed: { type: "string", help: "seed of every random draw (toxicity, jitter, slicer); logged" },
  config: { type: "string", help: "JSON array of proxies, as POST /populate takes, created at start" },
  "proxy-metrics": {
    type: "boolean",
    help: "count bytes per proxy and direction; serves GET /metrics (Prometheus text)",
  },
  "runtime-metrics": { type: "boolean", help: "also routes GET /metrics (no runtime metrics here)" },
};

async function readConfig(path: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(`--config ${JSON.stringify(path)} cannot be read: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--config ${JSON.stringify(path)} is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) {
    throw new UsageError(
      `--config ${JSON.stringify(path)} must hold a JSON array of proxies, as /populate takes`,
    );
  }
  return parsed;
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolve(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

/** `lease-chaos proxy`: runs the Toxiproxy-compatible fault proxy until SIGINT/SIGTERM. */
export const proxyCommand: Command = {
  name: "proxy",
  summary: "run the Toxiproxy-compatible fault proxy (HTTP API + TCP proxies)",
  usage: `usage: lease-chaos proxy [options]

Serves Toxiproxy 2.12's HTTP API (for toxiproxy-node-client) and its TCP proxies. Logs JSON lines
on stdout; the first is {"msg":"proxy api listening","url":...,"seed":...}. LOG_LEVEL sets the
level (default info). SIGINT/SIGTERM stop it gracefully (exit 0).

options:
${optionsHelp(specs)}`,
  async run(argv) {
    const { values } = parseOptions(argv, specs);
    const host = String(values.host);
    if (host === "") throw new UsageError('--host must not be empty, got ""');
    const port = intOption(values, "port", { min: 0, max: 65535 }) ?? 8474;
    const seed = intOption(values, "seed", { min: 0, max: Number.MAX_SAFE_INTEGER });
    const config = typeof values.config === "string" ? await readConfig(values.config) : undefined;
    const level = process.env.LOG_LEVEL ?? "info";
    if (!isLogLevel(level))
      throw new UsageError(`LOG_LEVEL must be trace, debug, info, warn or error, got "${level}"`);
    const log = jsonLineLog(level, (line) => process.stdout.write(line), ["proxy api listening"]);

    let server: Awaited<ReturnType<typeof startProxyServer>>;
    try {
      server = await startProxyServer({
        host,
        port,
        seed,
        config,
        log,
        proxyMetrics: values["proxy-metrics"] === true,
        runtimeMetrics: values["runtime-metrics"] === true,
      });
    } catch (err) {
      if (!(err instanceof ProxyStartError)) throw err;
      // Nothing was left running: startProxyServer closed what it had opened.
      console.error(`lease-chaos proxy: ${err.message}`);
      return EXIT.usage;
    }
    const received = await waitForSignal();
    log("info", "stopping on signal", { signal: received });
    await server.stop();
    return EXIT.pass;
  },
};

// Run directly (`node --import tsx harness/cli/proxy.ts ...`) it loads nothing but the proxy: no other
// command's modules, so no other module's signal hooks can cut the graceful stop short.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    process.exitCode = await proxyCommand.run(process.argv.slice(2));
  } catch (err) {
    console.error(
      `lease-chaos proxy: ${err instanceof UsageError ? err.message : ((err as Error).stack ?? err)}`,
    );
    process.exitCode = EXIT.usage;
  }
}
