import { randomUUID } from "node:crypto";
import type { RouteModel } from "./stack-model.js";

/**
 * The HTTP API as API Gateway runs it from the template's routes: route selection (exact paths before
 * path variables before greedy `{proxy+}`, a method before ANY, then `$default`), the route's
 * authorizer (AWS_IAM: an unsigned request gets 403 from the gateway and never reaches the function;
 * a signed one reaches it with the caller in requestContext.authorizer.iam), the payload 2.0 event,
 * and the mapping of the function's answer (an error is a 500, as the gateway says it).
 */

export interface ApiRequest {
  method: string;
  /** Path with an optional query string. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** The IAM principal that signed the request (SigV4); unsigned when absent. */
  signedBy?: string;
  sourceIp?: string;
}

export interface ApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  /** The route the gateway chose, or null when none matched. */
  routeKey: string | null;
  /** Whether the function was invoked. */
  invoked: boolean;
}

export interface GatewayDeps {
  apiId: string;
  apiArn: string;
  stage: string;
  account: string;
  region: string;
  routes: RouteModel[];
  /** Whether the signed caller may call execute-api:Invoke on the route's ARN (the caller's own IAM). */
  callerMayInvoke(principal: string, executeApiArn: string): Promise<boolean>;
  /** Invokes the route's function; checks the function's resource policy first (throws if refused). */
  invoke(functionKey: string, event: unknown, sourceArn: string): Promise<unknown>;
}

interface Match {
  route: RouteModel;
  params: Record<string, string>;
  rank: number[];
}

function matchRoute(route: RouteModel, method: string, path: string): Match | null {
  if (route.routeKey === "$default") return { route, params: {}, rank: [-1, 0, 0] };
  const [routeMethod, routePath] = route.routeKey.split(" ") as [string, string];
  if (routeMethod !== "ANY" && routeMethod !== method) return null;
  const want = routePath.split("/").slice(1);
  const got = path.split("/").slice(1);
  const params: Record<string, string> = {};
  let literals = 0;
  let greedy = 0;
  for (let i = 0; i < want.length; i++) {
    const segment = want[i] as string;
    const greedyVar = /^\{(.+)\+\}$/.exec(segment);
    if (greedyVar) {
      if (i !== want.length - 1 || got.length <= i) return null;
      params[greedyVar[1] as string] = got.slice(i).map(decodeURIComponent).join("/");
      greedy = 1;
      break;
    }
    const actual = got[i];
    if (actual === undefined || (i === want.length - 1 && got.length !== want.length)) return null;
    const variable = /^\{(.+)\}$/.exec(segment);
    if (variable) params[variable[1] as string] = decodeURIComponent(actual);
    else if (segment === actual) literals++;
    else return null;
  }
  return { route, params, rank: [1 - greedy, literals, routeMethod === "ANY" ? 0 : 1] };
}

const compareRank = (a: number[], b: number[]) => {
  for (let i = 0; i < a.length; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (b[i] ?? 0) - (a[i] ?? 0);
  return 0;
};

export class HttpApiGateway {
  constructor(private readonly deps: GatewayDeps) {}

  async request(req: ApiRequest): Promise<ApiResponse> {
    const url = new URL(req.path, "https://api.example");
    const method = req.method.toUpperCase();
    const best = this.deps.routes
      .map((r) => matchRoute(r, method, url.pathname))
      .filter((m): m is Match => m !== null)
      .sort((a, b) => compareRank(a.rank, b.rank))[0];
    const gateway = (statusCode: number, message: string): ApiResponse => ({
      statusCode,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message }),
      routeKey: best?.route.routeKey ?? null,
      invoked: false,
    });
    if (!best) return gateway(404, "Not Found");
    const { route } = best;
    const routePath = route.routeKey === "$default" ? "" : (route.routeKey.split(" ")[1] as string);
    const executeApiArn = `${this.deps.apiArn}/${this.deps.stage}/${method}${url.pathname}`;
    if (route.authorizationType === "AWS_IAM") {
      if (!req.signedBy) return gateway(403, "Forbidden");
      if (!(await this.deps.callerMayInvoke(req.signedBy, executeApiArn))) {
        return gateway(
          403,
          `User: ${req.signedBy} is not authorized to perform: execute-api:Invoke on resource: ${executeApiArn}`,
        );
      }
    } else if (route.authorizationType !== "NONE") {
      throw new Error(`the twin's gateway does not model ${route.authorizationType} authorizers yet`);
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    const query = Object.fromEntries(url.searchParams);
    const now = new Date();
    const event = {
      version: "2.0",
      routeKey: route.routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.replace(/^\?/, ""),
      headers,
      ...(headers.cookie ? { cookies: headers.cookie.split(/;\s*/) } : {}),
      ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
      ...(Object.keys(best.params).length ? { pathParameters: best.params } : {}),
      requestContext: {
        accountId: this.deps.account,
        apiId: this.deps.apiId,
        ...(req.signedBy
          ? {
              authorizer: {
                iam: {
                  accessKey: "AKIAEXAMPLE",
                  accountId: req.signedBy.split(":")[4],
                  callerId: "AIDAEXAMPLE",
                  cognitoIdentity: null,
                  principalOrgId: null,
                  userArn: req.signedBy,
                  userId: "AIDAEXAMPLE",
                },
              },
            }
          : {}),
        domainName: `${this.deps.apiId}.execute-api.${this.deps.region}.amazonaws.com`,
        domainPrefix: this.deps.apiId,
        http: {
          method,
          path: url.pathname,
          protocol: "HTTP/1.1",
          sourceIp: req.sourceIp ?? "203.0.113.9",
          userAgent: headers["user-agent"] ?? "twin",
        },
        requestId: randomUUID(),
        routeKey: route.routeKey,
        stage: this.deps.stage,
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
      },
      ...(req.body !== undefined ? { body: req.body } : {}),
      isBase64Encoded: false,
    };
    const sourceArn = `${this.deps.apiArn}/${this.deps.stage}/${method}${routePath}`;
    let result: unknown;
    try {
      result = await this.deps.invoke(route.functionKey, event, sourceArn);
    } catch {
      return { ...gateway(500, "Internal Server Error"), invoked: true };
    }
    // Payload 2.0: an object with statusCode is the response; anything else is a 200 JSON body.
    const structured = result as { statusCode?: number; headers?: Record<string, string>; body?: string };
    if (structured && typeof structured === "object" && typeof structured.statusCode === "number") {
      return {
        statusCode: structured.statusCode,
        headers: structured.headers ?? {},
        body: structured.body ?? "",
        routeKey: route.routeKey,
        invoked: true,
      };
    }
    return {
      statusCode: 200,
      headers: { "content-type": "application/json" },
      body: typeof result === "string" ? result : JSON.stringify(result),
      routeKey: route.routeKey,
      invoked: true,
    };
  }
}
