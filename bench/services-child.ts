/**
 * Child process of the send bench (`--services child`): runs dynalite and the SESv2 endpoint on a core
 * of their own and answers the parent over IPC. argv: <data dir> <max send rate>.
 */

import type { ChildReply, ChildRequest } from "./services.js";
import { startInlineServices } from "./services.js";

const [dir, rate] = process.argv.slice(2);
const reply = (msg: ChildReply) => process.send?.(msg);

try {
  if (!dir || !rate) throw new Error("usage: services-child <dir> <maxSendRate>");
  const services = await startInlineServices({ dir, maxSendRate: Number(rate) });
  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= services.close();
    return closing;
  };
  process.on("message", async (msg: ChildRequest) => {
    try {
      if (msg.type === "received") {
        const counts = await services.received();
        reply({
          type: "received",
          counts: { ...counts, maxRssBytes: process.resourceUsage().maxRSS * 1024 },
        });
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
  reply({ type: "ready", dynamodb: services.dynamodb, sesv2: services.sesv2 });
} catch (err) {
  reply({ type: "error", message: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
}
