import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Outbox } from "../core/kernel/ports.js";

/** The longest file name (in bytes) the file systems the outbox lives on accept: ext4, APFS, NTFS. */
const NAME_MAX_BYTES = 255;
const EXTENSION = ".eml";
/** Hex digits of SHA-256 in a long address's file name: 128 bits, no two addresses share one. */
const HASH_HEX = 32;

/** An address with path separators and control characters replaced: only the file system is guarded. */
function safeName(email: string): string {
  // Addresses are validated before they get here.
  return [...email.toLowerCase()]
    .map((c) => (c === "/" || c === "\\" || c.charCodeAt(0) < 32 ? "_" : c))
    .join("");
}

/** The longest head of `s` of at most `maxBytes` UTF-8 bytes, never splitting a character. */
function utf8Head(s: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const c of s) {
    const size = Buffer.byteLength(c);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += c.length;
  }
  return s.slice(0, end);
}

/**
 * The outbox file name of a message to `email`: `<lower-cased email>.eml` (design.md's contract), unless
 * that passes 255 bytes (an address of 252 characters or more, or fewer with non-ASCII characters).
 * Then `<head>~<hash>.eml`: the head of the lower-cased address cut to fit, "~", and the first 32 hex
 * digits of the SHA-256 of the lower-cased address; still within 255 bytes, the same for every case of
 * the address, different for two addresses that share the head.
 */
export function outboxFileName(email: string): string {
  const name = safeName(email);
  if (Buffer.byteLength(name) + EXTENSION.length <= NAME_MAX_BYTES) return `${name}${EXTENSION}`;
  const hash = createHash("sha256").update(email.toLowerCase(), "utf8").digest("hex").slice(0, HASH_HEX);
  const room = NAME_MAX_BYTES - EXTENSION.length - 1 - HASH_HEX;
  return `${utf8Head(name, room)}~${hash}${EXTENSION}`;
}

/**
 * The local outbox: every message SES accepted, byte for byte, as out/<edition>/<email>.eml (see
 * {@link outboxFileName} for long addresses), with the all-sections digest.html and digest.txt beside
 * them. Writes go through a temporary file and a rename, so a crash never leaves half a message; the
 * temporary name is unique per write (process id and random), so concurrent writes of one file, in
 * one process or several, never collide.
 */
export class FolderOutbox implements Outbox {
  constructor(private readonly root: string) {}

  private async write(dir: string, name: string, data: Buffer | string) {
    const folder = join(this.root, dir);
    await mkdir(folder, { recursive: true });
    const target = join(folder, name);
    // Short and hidden, whatever the target's length: the name limit applies to it too.
    const temp = join(folder, `.${process.pid}-${randomBytes(8).toString("hex")}.tmp`);
    try {
      await writeFile(temp, data);
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => {});
      throw err;
    }
  }

  async writeMessage(editionId: string, email: string, raw: Buffer): Promise<void> {
    await this.write(editionId, outboxFileName(email), raw);
  }

  async writeEdition(editionId: string, html: string, text: string): Promise<void> {
    await this.write(editionId, "digest.html", html);
    await this.write(editionId, "digest.txt", text);
  }

  /**
   * GDPR erasure: removes the address's copy from every folder (each edition, confirm/, test/), and any
   * temporary file a crash left behind that holds a message to it (temporary names say nothing of the
   * recipient, so those few are read). The folders are those directly under the root, which is the
   * outbox's whole layout; returns how many files were removed.
   */
  async eraseRecipient(email: string): Promise<number> {
    const name = outboxFileName(email);
    const address = email.toLowerCase();
    let folders: string[];
    try {
      folders = (await readdir(this.root, { withFileTypes: true }))
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
      throw err;
    }
    let removed = 0;
    for (const folder of folders) {
      for (const file of await readdir(join(this.root, folder))) {
        const path = join(this.root, folder, file);
        const ours =
          file === name ||
          (file.endsWith(".tmp") &&
            (await readFile(path, "utf8").catch(() => "")).toLowerCase().includes(address));
        if (!ours) continue;
        await rm(path, { force: true });
        removed++;
      }
    }
    return removed;
  }
}
