import { createHash, createHmac } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentityProvider, Checksum, HttpRequest } from "@smithy/types";
import type { FileStore } from "../core/kernel/ports.js";

/**
 * Job files in the private job bucket (S3). Requests are signed with the SDK's own SigV4 signer
 * (@smithy/signature-v4, what @aws-sdk/s3-request-presigner uses); @aws-sdk/client-s3 is not among
 * this project's dependencies, so the three calls (GetObject, PutObject, presigned GET and PUT) are
 * plain HTTPS requests. AWS_ENDPOINT_URL_S3, when set, is used path-style (the twin's stand-in).
 */

/** SHA-256 and HMAC-SHA256 in the shape the signer takes. */
class Sha256 implements Checksum {
  private readonly hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: string | Uint8Array | ArrayBuffer | ArrayBufferView) {
    this.hash = secret
      ? createHmac("sha256", typeof secret === "string" ? secret : Buffer.from(secret as Uint8Array))
      : createHash("sha256");
  }
  update(data: string | Uint8Array | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === "string" ? data : Buffer.from(data as Uint8Array));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    throw new Error("not used by the signer");
  }
}

const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const encodeKey = (key: string) => key.split("/").map(rfc3986).join("/");

export interface S3FileStoreOptions {
  bucket: string;
  region?: string;
  /** A non-AWS endpoint (path-style); default AWS_ENDPOINT_URL_S3, else the bucket's virtual host. */
  endpoint?: string;
  credentials?: AwsCredentialIdentityProvider;
}

export class S3FileStore implements FileStore {
  private readonly signer: SignatureV4;
  private readonly base: URL;
  private readonly pathPrefix: string;

  constructor(opts: S3FileStoreOptions) {
    const region = opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!region) throw new Error("the job bucket needs a region (AWS_REGION)");
    const endpoint = opts.endpoint ?? process.env.AWS_ENDPOINT_URL_S3;
    this.base = new URL(endpoint ?? `https://${opts.bucket}.s3.${region}.amazonaws.com`);
    this.pathPrefix = endpoint ? `/${opts.bucket}` : "";
    // S3 signs the path as sent (no second encoding) and accepts UNSIGNED-PAYLOAD over HTTPS.
    this.signer = new SignatureV4({
      credentials: opts.credentials ?? defaultProvider(),
      region,
      service: "s3",
      sha256: Sha256,
      uriEscapePath: false,
      applyChecksum: false,
    });
  }

  private request(
    method: string,
    key: string,
    headers: Record<string, string> = {},
    query: Record<string, string> = {},
  ): HttpRequest {
    return {
      method,
      protocol: this.base.protocol,
      hostname: this.base.hostname,
      port: this.base.port ? Number(this.base.port) : undefined,
      path: `${this.pathPrefix}/${encodeKey(key)}`,
      query,
      headers: { host: this.base.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD", ...headers },
    };
  }

  private static url(req: HttpRequest): string {
    const port = req.port ? `:${req.port}` : "";
    // Encoded as the signer encodes them (RFC 3986: a space is %20, never "+").
    const query = Object.entries(req.query as Record<string, string>)
      .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
      .join("&");
    return `${req.protocol}//${req.hostname}${port}${req.path}${query ? `?${query}` : ""}`;
  }

  private async send(req: HttpRequest, body?: Readable, length?: number): Promise<Response> {
    const signed = await this.signer.sign({
      ...req,
      headers: { ...req.headers, ...(length === undefined ? {} : { "content-length": String(length) }) },
    });
    const { host: _host, ...headers } = signed.headers;
    return fetch(S3FileStore.url(signed), {
      method: signed.method,
      headers,
      ...(body ? { body: Readable.toWeb(body) as ReadableStream, duplex: "half" } : {}),
    } as RequestInit);
  }

  private static async fail(what: string, res: Response): Promise<never> {
    const text = await res.text().catch(() => "");
    const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? `HTTP ${res.status}`;
    throw Object.assign(new Error(`S3 ${what}: ${code}`), { name: code, status: res.status });
  }

  async read(key: string): Promise<{ body: Readable; size: number } | null> {
    const res = await this.send(this.request("GET", key));
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok || !res.body) return S3FileStore.fail(`GetObject ${key}`, res);
    return {
      body: Readable.fromWeb(res.body as import("node:stream/web").ReadableStream),
      size: Number(res.headers.get("content-length") ?? 0),
    };
  }

  /**
   * A PutObject needs its length up front: the chunks are spooled to a temporary file first (the
   * jobs function has ephemeral storage for it), then sent as one stream.
   */
  async write(key: string, chunks: AsyncIterable<string>, contentType: string): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), "job-file-"));
    const spool = join(dir, "file");
    try {
      await pipeline(Readable.from(chunks), createWriteStream(spool));
      const { size } = await stat(spool);
      const res = await this.send(
        this.request("PUT", key, { "content-type": contentType }),
        createReadStream(spool),
        size,
      );
      if (!res.ok) await S3FileStore.fail(`PutObject ${key}`, res);
      await res.body?.cancel();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async uploadUrl(key: string, contentType: string, expiresSeconds: number): Promise<string> {
    const req = this.request("PUT", key, { "content-type": contentType });
    // As @aws-sdk/s3-request-presigner: the content type is not part of the signature.
    const signed = await this.signer.presign(req, {
      expiresIn: expiresSeconds,
      unsignableHeaders: new Set(["content-type"]),
    });
    return S3FileStore.url(signed);
  }

  async downloadUrl(key: string, filename: string, expiresSeconds: number): Promise<string> {
    const req = this.request(
      "GET",
      key,
      {},
      {
        "response-content-disposition": `attachment; filename="${filename.replace(/[^\w.-]/g, "_")}"`,
      },
    );
    const signed = await this.signer.presign(req, { expiresIn: expiresSeconds });
    return S3FileStore.url(signed);
  }
}
