import fs from "node:fs";
import net from "node:net";

/**
 * A free 127.0.0.1 port below the kernel's ephemeral range, for a stack that publishes fixed host
 * ports (docker-compose.chaos.yml). A port inside that range can be taken at any moment as the
 * local end of one of the many connections the other test files open, and the stack then fails to
 * start with "address already in use"; below it, only a deliberate listener can hold it.
 */
export async function fixedPort(avoid: readonly number[] = []): Promise<number> {
  return (await fixedPorts(1, avoid))[0] as number;
}

/** `count` consecutive free 127.0.0.1 ports below the ephemeral range (a published port range). */
export async function fixedPorts(count: number, avoid: readonly number[] = []): Promise<number[]> {
  let low = 32_768;
  try {
    const range = fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/);
    low = Math.min(Number(range[0]) || low, low);
  } catch {
    // no /proc (a macOS host): the IANA ephemeral range starts higher still
  }
  const first = low > 21_000 ? 20_000 : 1_024;
  const span = low - first;
  const start = process.pid % span;
  for (let i = 0; i < span; i++) {
    const port = first + ((start + i) % span);
    const ports = Array.from({ length: count }, (_, k) => port + k);
    if ((ports.at(-1) as number) >= low || ports.some((p) => avoid.includes(p))) continue;
    let free = true;
    for (const p of ports) if (!(await canListen(p))) free = false;
    if (free) return ports;
  }
  throw new Error(`no free port between ${first} and ${low}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
