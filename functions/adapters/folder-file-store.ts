import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, stat } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import type { FileStore } from "../core/kernel/ports.js";

/**
 * Job files in a local folder (the outbox: out/jobs/<id>/…), for `digest serve` and the CLI. There
 * is no presigned upload here: the API takes the file itself (PUT /admin/jobs/{id}/input), and a
 * download link is the file's own file:// URL.
 */
export class FolderFileStore implements FileStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The file's path; a key that would leave the folder is refused. */
  path(key: string): string {
    const path = resolve(join(this.root, key));
    if (!path.startsWith(this.root + sep)) throw new Error(`file key ${key} leaves the job folder`);
    return path;
  }

  async read(key: string): Promise<{ body: Readable; size: number } | null> {
    const path = this.path(key);
    try {
      const info = await stat(path);
      return { body: createReadStream(path), size: info.size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  }

  async write(key: string, chunks: AsyncIterable<string>, _contentType: string): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    // Written beside, then renamed: a reader never sees half a file.
    const partial = `${path}.partial`;
    await pipeline(Readable.from(chunks), createWriteStream(partial));
    await rename(partial, path);
  }

  async uploadUrl(): Promise<string | null> {
    return null;
  }

  async downloadUrl(key: string): Promise<string> {
    return pathToFileURL(this.path(key)).href;
  }
}
