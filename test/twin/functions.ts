import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { formatWithOptions } from "node:util";
import type { FunctionModel } from "./stack-model.js";

/**
 * The Lambda functions of the template, each its own bundle loaded in this process and run as Lambda
 * would: with exactly the environment the template gives it (plus what the runtime adds), its output
 * captured as its log, and every invocation marked (AsyncLocalStorage) so that the AWS calls it makes
 * are attributed to it and checked against its own role.
 */

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

export interface Invocation {
  fn: FunctionModel;
  env: Record<string, string>;
  requestId: string;
}

export interface LoadedFunction {
  model: FunctionModel;
  dir: string;
  bytes: number;
  importMs: number;
  handler: Handler;
  /** Everything the function wrote to stdout / stderr, one entry per write (Powertools: one JSON line). */
  logs: string[];
}

const storage = new AsyncLocalStorage<Invocation>();

/**
 * Node's own import(), out of the test runner's reach: the bundles are already built JavaScript, and
 * running megabytes of it through the runner's transform costs tens of seconds.
 */
const nativeImport = createRequire(import.meta.url)("./native-import.cjs") as (
  url: string,
) => Promise<unknown>;

/** The invocation the current code runs in, if any. */
export const currentInvocation = (): Invocation | undefined => storage.getStore();

let restoreProcess: (() => void) | null = null;

/**
 * Gives each invocation its own process.env (the function's) and captures what it writes; outside an
 * invocation both behave as before. Returns the restorer.
 */
function isolateProcess(logsOf: (fn: string) => string[]): () => void {
  const originalEnv = process.env;
  const envProxy = new Proxy(originalEnv, {
    get: (target, key) => (typeof key === "string" ? (storage.getStore()?.env ?? target)[key] : undefined),
    set: (target, key, value) => {
      (storage.getStore()?.env ?? target)[String(key)] = String(value);
      return true;
    },
    deleteProperty: (target, key) => {
      delete (storage.getStore()?.env ?? target)[String(key)];
      return true;
    },
    has: (target, key) => typeof key === "string" && key in (storage.getStore()?.env ?? target),
    ownKeys: (target) => Reflect.ownKeys(storage.getStore()?.env ?? target),
    getOwnPropertyDescriptor: (target, key) => {
      const env = storage.getStore()?.env;
      if (!env) return Reflect.getOwnPropertyDescriptor(target, key);
      return typeof key === "string" && key in env
        ? { value: env[key], writable: true, enumerable: true, configurable: true }
        : undefined;
    },
  });
  process.env = envProxy;
  const writes = [process.stdout, process.stderr].map((stream) => {
    const original = stream.write;
    stream.write = function write(this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      const inv = storage.getStore();
      if (!inv) return (original as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
      logsOf(inv.fn.key).push(String(chunk));
      const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      callback?.();
      return true;
    } as typeof stream.write;
    return () => {
      stream.write = original;
    };
  });
  // The test runner replaces `console` with its own reporter: a function's console output is its log too.
  const methods = ["log", "info", "warn", "error", "debug", "trace"] as const;
  const consoles = methods.map((name) => {
    const original = console[name];
    console[name] = (...args: unknown[]) => {
      const inv = storage.getStore();
      if (!inv) return original.apply(console, args);
      logsOf(inv.fn.key).push(`${formatWithOptions({ colors: false }, ...args)}\n`);
    };
    return () => {
      console[name] = original;
    };
  });
  return () => {
    process.env = originalEnv;
    for (const restore of [...writes, ...consoles]) restore();
  };
}

export class FunctionRunner {
  readonly functions: Record<string, LoadedFunction> = {};

  constructor(
    private readonly models: Record<string, FunctionModel>,
    private readonly assemblyDir: string,
    /** What the Lambda runtime adds to each function's environment (region, credentials, endpoints…). */
    private readonly runtimeEnv: (fn: FunctionModel) => Record<string, string>,
  ) {}

  /** Imports every bundle, each inside its own function's environment (module-level code reads it). */
  async load(): Promise<void> {
    restoreProcess ??= isolateProcess((key) => this.functions[key]?.logs ?? []);
    for (const model of Object.values(this.models)) {
      const dir = join(this.assemblyDir, model.assetPath);
      const bytes = readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
      const [file, exported] = model.handler.split(".") as [string, string];
      const started = performance.now();
      const logs: string[] = [];
      this.functions[model.key] = { model, dir, bytes, importMs: 0, handler: async () => undefined, logs };
      const mod = (await storage.run(this.invocation(model), () =>
        nativeImport(pathToFileURL(join(dir, `${file}.mjs`)).href),
      )) as Record<string, Handler>;
      const handler = mod[exported];
      if (typeof handler !== "function") throw new Error(`${model.key}: the bundle exports no ${exported}`);
      Object.assign(this.functions[model.key] as LoadedFunction, {
        handler,
        importMs: performance.now() - started,
      });
    }
  }

  private invocation(fn: FunctionModel): Invocation {
    return { fn, env: { ...fn.environment, ...this.runtimeEnv(fn) }, requestId: randomUUID() };
  }

  get(key: string): LoadedFunction {
    const fn = this.functions[key];
    if (!fn)
      throw new Error(`no function ${key} (the template has: ${Object.keys(this.functions).join(", ")})`);
    return fn;
  }

  /** One synchronous invocation: resolves with what the handler returned, rejects with what it threw. */
  invoke(key: string, event: unknown): Promise<unknown> {
    const fn = this.get(key);
    const inv = this.invocation(fn.model);
    const deadline = Date.now() + fn.model.timeoutSeconds * 1000;
    const context = {
      functionName: fn.model.name,
      functionVersion: "$LATEST",
      invokedFunctionArn: fn.model.arn,
      memoryLimitInMB: inv.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? "128",
      awsRequestId: inv.requestId,
      logGroupName: `/aws/lambda/${fn.model.name}`,
      logStreamName: "twin",
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    return storage.run(inv, () => fn.handler(event, context));
  }

  /** Structured log lines of a function (the JSON ones; Powertools writes one object per line). */
  logLines(key: string): Record<string, unknown>[] {
    return this.get(key)
      .logs.flatMap((chunk) => chunk.split("\n"))
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  close(): void {
    restoreProcess?.();
    restoreProcess = null;
  }
}
