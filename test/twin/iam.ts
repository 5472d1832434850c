import { runSimulation, type StatementExplain } from "@cloud-copilot/iam-simulate";
import type { IamRequest } from "./aws-calls.js";
import type { NamedPolicy, PolicyDocument } from "./stack-model.js";

/**
 * The template's IAM, enforced: each request a principal makes is evaluated by @cloud-copilot/iam-simulate
 * against the principal's identity policies (and the resource's policy, when it has one), and every
 * Allow statement's action × resource pair that let a request through is marked used, so the grants
 * never used can be listed.
 */

export interface Principal {
  /** The ARN requests are made as (a role's session, a service principal). */
  arn: string;
  policies: NamedPolicy[];
}

export interface Decision {
  principal: string;
  action: string;
  resource: string;
  allowed: boolean;
  /** iam-simulate's verdict: Allowed, ImplicitlyDenied, ExplicitlyDenied. */
  result: string;
}

export interface Grant {
  action: string;
  resource: string;
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const grantKey = (g: Grant) => `${g.action} ${g.resource}`;

export class IamEvaluator {
  readonly decisions: Decision[] = [];
  private readonly used = new Map<string, Set<string>>();
  private readonly cache = new Map<string, Promise<{ allowed: boolean; result: string; grants: Grant[] }>>();

  constructor(
    private readonly principals: Record<string, Principal>,
    private readonly account: string,
    /** The resource-based policy of a resource ARN, if it has one (queue policies, function permissions). */
    private readonly resourcePolicyOf: (resource: string) => PolicyDocument | undefined = () => undefined,
  ) {}

  /** Evaluates one request of a known principal; records the decision and the grants it used. */
  async authorize(
    principalKey: string,
    request: IamRequest,
    context: Record<string, string | string[]> = {},
  ): Promise<Decision> {
    const principal = this.principals[principalKey];
    if (!principal) throw new Error(`no principal ${principalKey} in the twin`);
    const key = JSON.stringify([principalKey, request.action, request.resource, context]);
    let evaluation = this.cache.get(key);
    if (!evaluation) {
      evaluation = this.simulate(principal.arn, principal.policies, request, context);
      this.cache.set(key, evaluation);
    }
    const { allowed, result, grants } = await evaluation;
    const used = this.used.get(principalKey) ?? new Set<string>();
    for (const g of grants) used.add(grantKey(g));
    this.used.set(principalKey, used);
    const decision = { principal: principalKey, ...request, allowed, result };
    this.decisions.push(decision);
    return decision;
  }

  /** A one-off evaluation for a principal outside the template (a service, an admin caller). */
  async evaluate(
    principalArn: string,
    policies: NamedPolicy[],
    request: IamRequest,
    context: Record<string, string | string[]> = {},
  ): Promise<boolean> {
    return (await this.simulate(principalArn, policies, request, context)).allowed;
  }

  private async simulate(
    principal: string,
    policies: NamedPolicy[],
    request: IamRequest,
    context: Record<string, string | string[]>,
  ): Promise<{ allowed: boolean; result: string; grants: Grant[] }> {
    const resourcePolicy = this.resourcePolicyOf(request.resource);
    const outcome = await runSimulation(
      {
        request: {
          principal,
          action: request.action,
          resource: { resource: request.resource, accountId: this.account },
          // Lambda reaches every AWS endpoint over TLS.
          contextVariables: { "aws:SecureTransport": "true", ...context },
        },
        identityPolicies: policies.map((p) => ({ name: p.name, policy: p.document })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(resourcePolicy ? { resourcePolicy } : {}),
      },
      {},
    );
    if (outcome.resultType === "error") {
      throw new Error(
        `iam-simulate could not evaluate ${request.action} on ${request.resource}: ${JSON.stringify(outcome.errors)}`,
      );
    }
    if (outcome.resultType !== "single") {
      throw new Error(`a wildcard request (${request.action} on ${request.resource}) is not a real call`);
    }
    const analysis = outcome.result.analysis;
    const grants: Grant[] = [];
    for (const statement of analysis.identityAnalysis?.allowStatements ?? []) {
      const explain: StatementExplain = statement.explain;
      const actions = asArray(explain.actions).filter((a) => a.matches);
      const resources = asArray(explain.resources).filter((r) => r.matches);
      for (const a of actions)
        for (const r of resources) grants.push({ action: a.action, resource: r.resource });
    }
    return { allowed: outcome.overallResult === "Allowed", result: outcome.overallResult, grants };
  }

  /** Denied requests (from the `from`th decision on), each once. */
  denials(from = 0): Decision[] {
    const seen = new Set<string>();
    return this.decisions.slice(from).filter((d) => {
      const key = `${d.principal} ${d.action} ${d.resource}`;
      if (d.allowed || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  /** Every Allow pair (action × resource) of the principal's policies that no request used. */
  unusedGrants(principalKey: string): Grant[] {
    const principal = this.principals[principalKey];
    if (!principal) return [];
    const used = this.used.get(principalKey) ?? new Set<string>();
    const unused: Grant[] = [];
    for (const policy of principal.policies) {
      for (const s of policy.document.Statement) {
        if (s.Effect !== "Allow") continue;
        for (const action of asArray(s.Action as string | string[]))
          for (const resource of asArray(s.Resource as string | string[]))
            if (!used.has(grantKey({ action, resource }))) unused.push({ action, resource });
      }
    }
    return unused;
  }
}
