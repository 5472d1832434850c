/**
 * EventBridge event pattern matching, as the EventBridge User Guide ("Event patterns", "Content
 * filtering") defines it. No maintained matcher ships on npm that runs offline here, so this is a small
 * one covering: exact values (strings, numbers, booleans, null), nested objects, event arrays (any
 * element may match), `prefix`, `suffix`, `equals-ignore-case`, `wildcard`, `anything-but` (values or
 * `prefix` / `suffix`), `numeric`, `exists` and `$or`. An operator it does not know throws, so a
 * template that starts using one fails loudly instead of matching wrongly.
 */

type Pattern = Record<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** Whether the event matches the pattern. */
export function matchesEventPattern(pattern: Pattern, event: unknown): boolean {
  if (!isObject(pattern)) throw new Error("an event pattern is a JSON object");
  return matchObject(pattern, event);
}

function matchObject(pattern: Pattern, value: unknown): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    if (key === "$or") {
      if (!Array.isArray(expected)) throw new Error("$or takes an array of patterns");
      if (!expected.some((alternative) => matchObject(alternative as Pattern, value))) return false;
      continue;
    }
    const field = isObject(value) ? value[key] : undefined;
    const present = isObject(value) && key in value;
    if (Array.isArray(expected)) {
      if (!matchLeaf(expected, field, present)) return false;
    } else if (isObject(expected)) {
      if (!isObject(field) || !matchObject(expected, field)) return false;
    } else {
      throw new Error(
        `pattern value at "${key}" must be an array or an object, got ${JSON.stringify(expected)}`,
      );
    }
  }
  return true;
}

/** A leaf: the event value (each element, for an array) must match one of the pattern's values. */
function matchLeaf(alternatives: unknown[], field: unknown, present: boolean): boolean {
  const values = Array.isArray(field) ? field : [field];
  return alternatives.some((alternative) => {
    if (isObject(alternative) && "exists" in alternative) {
      // exists applies to leaf values: an object or an empty array is not a leaf.
      const leaf = present && !isObject(field) && !(Array.isArray(field) && field.length === 0);
      return alternative.exists === leaf;
    }
    if (!present) return false;
    return values.some((v) => !isObject(v) && matchValue(alternative, v));
  });
}

function matchValue(alternative: unknown, value: unknown): boolean {
  if (!isObject(alternative)) return alternative === value;
  const entries = Object.entries(alternative);
  if (entries.length !== 1) throw new Error(`one operator per filter, got ${JSON.stringify(alternative)}`);
  const [[operator, operand]] = entries as [[string, unknown]];
  switch (operator) {
    case "prefix":
      return typeof value === "string" && stringMatch(operand, value, (v, o) => v.startsWith(o));
    case "suffix":
      return typeof value === "string" && stringMatch(operand, value, (v, o) => v.endsWith(o));
    case "equals-ignore-case":
      return typeof value === "string" && value.toLowerCase() === String(operand).toLowerCase();
    case "wildcard":
      return typeof value === "string" && wildcard(String(operand)).test(value);
    case "anything-but":
      return anythingBut(operand, value);
    case "numeric":
      return typeof value === "number" && numeric(operand as unknown[], value);
    default:
      throw new Error(`the twin's event pattern matcher does not know the operator "${operator}"`);
  }
}

/** prefix / suffix take a string, or `{ "equals-ignore-case": string }`. */
function stringMatch(operand: unknown, value: string, test: (v: string, o: string) => boolean): boolean {
  if (typeof operand === "string") return test(value, operand);
  if (isObject(operand) && typeof operand["equals-ignore-case"] === "string")
    return test(value.toLowerCase(), operand["equals-ignore-case"].toLowerCase());
  throw new Error(`unsupported prefix/suffix operand ${JSON.stringify(operand)}`);
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`, "s");
}

function anythingBut(operand: unknown, value: unknown): boolean {
  if (isObject(operand)) {
    const [[op, arg]] = Object.entries(operand) as [[string, unknown]];
    if (op === "prefix" || op === "suffix")
      return typeof value === "string" && !matchValue({ [op]: arg }, value);
    if (op === "equals-ignore-case")
      return (
        typeof value === "string" && !asList(arg).some((a) => String(a).toLowerCase() === value.toLowerCase())
      );
    throw new Error(`unsupported anything-but operand ${JSON.stringify(operand)}`);
  }
  return !asList(operand).includes(value as never);
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

function numeric(conditions: unknown[], value: number): boolean {
  for (let i = 0; i < conditions.length; i += 2) {
    const op = conditions[i];
    const bound = Number(conditions[i + 1]);
    const ok =
      op === "="
        ? value === bound
        : op === "<"
          ? value < bound
          : op === "<="
            ? value <= bound
            : op === ">"
              ? value > bound
              : op === ">="
                ? value >= bound
                : undefined;
    if (ok === undefined) throw new Error(`unknown numeric comparison ${String(op)}`);
    if (!ok) return false;
  }
  return true;
}
