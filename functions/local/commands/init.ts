import { createTables } from "../../adapters/dynamo/create-tables.js";
import { ensureTemplatesBuilt } from "../build-templates.js";
import type { Io } from "../cli-support.js";
import type { Runtime } from "../runtime.js";

/** `digest init`: creates the tables (idempotent), the signing key and the compiled template. */
export async function initCommand(rt: Runtime, io: Io): Promise<number> {
  const created = [...rt.createdTables, ...(await createTables(rt.dynamo, rt.tables))];
  await rt.keys();
  await ensureTemplatesBuilt();
  io.out(
    created.length > 0
      ? `created tables: ${created.join(", ")} (data in ${rt.home})`
      : `tables already exist (data in ${rt.home})`,
  );
  return 0;
}
