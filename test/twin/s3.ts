import { createHash, createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { Checksum, HttpRequest } from "@smithy/types";

/**
 * A minimal in-memory S3 for the twin: a mock of what cannot run here (no AWS account), just enough
 * for the job bucket: GetObject and PutObject, path-style, each request's SigV4 signature (header or
 * presigned query) verified and its expiry checked, and the signer's access key mapped to the role
 * whose credentials signed it, so IAM decides as S3 would: a presigned URL carries its signer's rights.
 */

class Sha256 implements Checksum {
  private readonly hash;
  constructor(secret?: unknown) {
    this.hash = secret ? createHmac("sha256", Buffer.from(secret as Uint8Array)) : createHash("sha256");
  }
  update(data: string | Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {}
}

export interface S3Object {
  body: Buffer;
  contentType: string;
}

export interface S3Access {
  /** The principal an access key belongs to, and its secret; undefined for an unknown key. */
  credentials(accessKeyId: string): { principal: string; secret: string; sessionToken?: string } | undefined;
  /** IAM's decision on the request (the twin records it with the function's calls). */
  authorize(principal: string, action: string, resource: string): Promise<boolean>;
  now(): Date;
}

const s3Error = (res: ServerResponse, status: number, code: string, message: string) => {
  res.writeHead(status, { "content-type": "application/xml" });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  );
};

const amzDate = (s: string) =>
  new Date(
    `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`,
  );

export class S3Emulator {
  readonly objects = new Map<string, S3Object>();
  private server: Server | null = null;
  url = "";

  constructor(
    private readonly region: string,
    private readonly buckets: Set<string>,
    private readonly access: S3Access,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => s3Error(res, 500, "InternalError", err.message));
    });
    await new Promise<void>((r) => this.server?.listen(0, "127.0.0.1", () => r()));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    return this.url;
  }

  close(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Whether the request's signature is right; the access key it was made with, or the refusal. */
  private async verify(req: IncomingMessage, url: URL): Promise<{ accessKey: string } | { refused: string }> {
    const query = Object.fromEntries(url.searchParams);
    const presigned = query["X-Amz-Signature"] !== undefined;
    const credential = presigned
      ? query["X-Amz-Credential"]
      : /Credential=([^,]+)/.exec(String(req.headers.authorization ?? ""))?.[1];
    if (!credential) return { refused: "no credentials" };
    const accessKey = credential.split("/")[0] as string;
    const known = this.access.credentials(accessKey);
    if (!known) return { refused: `unknown access key ${accessKey}` };
    const signer = new SignatureV4({
      credentials: {
        accessKeyId: accessKey,
        secretAccessKey: known.secret,
        sessionToken: known.sessionToken,
      },
      region: this.region,
      service: "s3",
      sha256: Sha256,
      uriEscapePath: false,
      applyChecksum: false,
    });
    const base: HttpRequest = {
      method: req.method as string,
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: {},
      headers: {},
    };
    if (presigned) {
      const date = amzDate(query["X-Amz-Date"] ?? "");
      const expires = Number(query["X-Amz-Expires"]);
      if (date.getTime() + expires * 1000 < this.access.now().getTime())
        return { refused: "Request has expired" };
      // The parameters presign adds itself go; x-amz-* headers it hoisted go back to headers (it
      // hoists them again); S3 takes the payload of a presigned request as UNSIGNED-PAYLOAD.
      const rest = { ...query };
      const headers: Record<string, string> = { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" };
      for (const k of Object.keys(rest)) {
        if (!/^x-amz-/i.test(k)) continue;
        if (!k.startsWith("X-Amz-")) headers[k.toLowerCase()] = rest[k] as string;
        delete rest[k];
      }
      for (const h of (query["X-Amz-SignedHeaders"] ?? "").split(";"))
        headers[h] = String(req.headers[h] ?? "");
      const again = await signer.presign(
        { ...base, query: rest, headers },
        { signingDate: date, expiresIn: expires },
      );
      return again.query?.["X-Amz-Signature"] === query["X-Amz-Signature"]
        ? { accessKey }
        : { refused: "SignatureDoesNotMatch" };
    }
    const auth = String(req.headers.authorization);
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)?.[1]?.split(";") ?? [];
    const headers: Record<string, string> = {};
    for (const h of signedHeaders) headers[h] = String(req.headers[h] ?? "");
    const date = amzDate(String(req.headers["x-amz-date"]));
    const again = await signer.sign({ ...base, query, headers }, { signingDate: date });
    return again.headers.authorization === auth ? { accessKey } : { refused: "SignatureDoesNotMatch" };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    const [, bucket = "", ...rest] = url.pathname.split("/");
    const key = rest.map(decodeURIComponent).join("/");
    if (!this.buckets.has(bucket)) return s3Error(res, 404, "NoSuchBucket", bucket);
    const verified = await this.verify(req, url);
    if ("refused" in verified) return s3Error(res, 403, "AccessDenied", verified.refused);
    const principal = this.access.credentials(verified.accessKey)?.principal as string;
    const action = req.method === "PUT" ? "s3:PutObject" : req.method === "GET" ? "s3:GetObject" : null;
    if (!action) return s3Error(res, 405, "MethodNotAllowed", String(req.method));
    if (!(await this.access.authorize(principal, action, `arn:aws:s3:::${bucket}/${key}`)))
      return s3Error(res, 403, "AccessDenied", `${principal} may not ${action} ${key}`);
    if (action === "s3:PutObject") {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      this.objects.set(`${bucket}/${key}`, {
        body: Buffer.concat(chunks),
        contentType: String(req.headers["content-type"] ?? "binary/octet-stream"),
      });
      res.writeHead(200, { etag: '"twin"' });
      res.end();
      return;
    }
    const object = this.objects.get(`${bucket}/${key}`);
    if (!object) return s3Error(res, 404, "NoSuchKey", key);
    const disposition = url.searchParams.get("response-content-disposition");
    res.writeHead(200, {
      "content-type": object.contentType,
      "content-length": object.body.length,
      ...(disposition ? { "content-disposition": disposition } : {}),
    });
    res.end(object.body);
  }
}
