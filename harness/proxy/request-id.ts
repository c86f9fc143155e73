import { randomBytes } from "node:crypto";

const alphabet = "0123456789abcdefghijklmnopqrstuv";
const machine = randomBytes(3);
let counter = randomBytes(3).readUIntBE(0, 3);

/** A 20-character xid (time, machine, pid, counter in base32hex), like X-Toxiproxy-Request-Id. */
export function requestId(): string {
  const id = Buffer.alloc(12);
  id.writeUInt32BE(Math.floor(Date.now() / 1000), 0);
  machine.copy(id, 4);
  id.writeUInt16BE(process.pid & 0xffff, 7);
  counter = (counter + 1) & 0xffffff;
  id.writeUIntBE(counter, 9, 3);
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of id) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out + alphabet[(value << (5 - bits)) & 31];
}
