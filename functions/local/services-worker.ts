/**
 * Worker-thread entry of the embedded services (started by services-thread.ts): runs service-host.ts
 * with the options in `workerData` and answers its parent until told to close.
 */
import { parentPort, workerData } from "node:worker_threads";
import { type ServiceHostOptions, startServiceHost } from "./service-host.js";
import type { FromServicesWorker, ToServicesWorker } from "./services-thread.js";

const port = parentPort;
if (!port) throw new Error("services-worker.ts runs as a worker thread (see services-thread.ts)");
const reply = (msg: FromServicesWorker) => port.postMessage(msg);
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

try {
  const host = await startServiceHost(workerData as ServiceHostOptions);
  port.on("message", (msg: ToServicesWorker) => {
    if (msg.type === "report") {
      host.report().then(
        (report) => reply({ type: "report", id: msg.id, report }),
        (err: unknown) => reply({ type: "error", message: message(err) }),
      );
    } else if (msg.type === "close") {
      host.close().then(
        () => {
          reply({ type: "closed" });
          port.close();
        },
        (err: unknown) => reply({ type: "error", message: message(err) }),
      );
    }
  });
  reply({ type: "ready", dynamodb: host.dynamodb, sesv2: host.sesv2 });
} catch (err) {
  reply({ type: "error", message: message(err) });
  port.close();
}
