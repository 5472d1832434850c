import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
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
 * True for a temporary file of `base` ("<base>.<pid>.tmp" and the like), not for the files of another
 * address that merely starts the same ("a@x.eml.org.eml" begins with "a@x.eml."): theirs hold ".eml"
 * again after it.
 */
function isTempOf(base: string, name: string): boolean {
  return name.startsWith(`${base}.`) && name.endsWith(".tmp") && !name.slice(base.length).includes(".eml");
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

  /**
   * GDPR erasure: removes the address's copy from every folder (each edition, confirm/, test/) and
   * any temporary file a crash left beside it. The folders are those directly under the root, which
   * is the outbox's whole layout; returns how many files were removed.
   */
  async eraseRecipient(email: string): Promise<number> {
    const base = `${fileNameFor(email)}.eml`;
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
      const names = await readdir(join(this.root, folder));
      for (const name of names) {
        if (name !== base && !isTempOf(base, name)) continue;
        await rm(join(this.root, folder, name), { force: true });
        removed++;
      }
    }
    return removed;
  }
}
