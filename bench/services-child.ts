/**
 * Child process of the send bench (`--services child`): runs dynalite and the SESv2 endpoint
 * (functions/local/service-host.ts) in a process of their own and answers the parent over IPC.
 * argv: the ServiceHostOptions as JSON.
 */
import { type ServiceHostOptions, startServiceHost } from "../functions/local/service-host.js";
import type { ChildReply, ChildRequest } from "./services.js";

const [json] = process.argv.slice(2);
const reply = (msg: ChildReply) => process.send?.(msg);

try {
  if (!json) throw new Error("usage: services-child <ServiceHostOptions as JSON>");
  const host = await startServiceHost(JSON.parse(json) as ServiceHostOptions);
  if (!host.dynamodb || !host.sesv2) throw new Error("services did not start");
  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= host.close();
    return closing;
  };
  process.on("message", async (msg: ChildRequest) => {
    try {
      if (msg.type === "received") {
        reply({ type: "received", report: await host.report() });
      } else if (msg.type === "close") {
        await close();
        reply({ type: "closed" });
        process.disconnect();
      }
    } catch (err) {
      reply({ type: "error", message: err instanceof Error ? err.message : String(err) });
    }
  });
  // Parent gone: stop too.
  process.on("disconnect", () => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  reply({ type: "ready", dynamodb: host.dynamodb, sesv2: host.sesv2 });
} catch (err) {
  reply({ type: "error", message: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
}
