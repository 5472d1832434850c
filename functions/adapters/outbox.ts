import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Outbox } from "../core/ports.js";

/** Safe file name for an address: lower-cased, path separators and control characters replaced. */
function fileNameFor(email: string): string {
  // Addresses are validated before they get here; this only guards the file system.
  return [...email.toLowerCase()]
    .map((c) => (c === "/" || c === "\\" || c.charCodeAt(0) < 32 ? "_" : c))
    .join("");
}

/**
 * The local outbox: every message SES accepted, byte for byte, as out/<edition>/<email>.eml, with the
 * all-sections digest.html and digest.txt beside them. Writes go through a temp file and a rename so
 * a crash never leaves half a message.
 */
export class FolderOutbox implements Outbox {
  constructor(private readonly root: string) {}

  private async write(dir: string, name: string, data: Buffer | string) {
    const folder = join(this.root, dir);
    await mkdir(folder, { recursive: true });
    const target = join(folder, name);
    const temp = `${target}.${process.pid}.tmp`;
    await writeFile(temp, data);
    await rename(temp, target);
  }

  async writeMessage(editionId: string, email: string, raw: Buffer): Promise<void> {
    await this.write(editionId, `${fileNameFor(email)}.eml`, raw);
  }

  async writeEdition(editionId: string, html: string, text: string): Promise<void> {
    await this.write(editionId, "digest.html", html);
    await this.write(editionId, "digest.txt", text);
  }
}
