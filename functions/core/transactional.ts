import type { TransactionalMail } from "./api/context.js";
import type { DigestConfig } from "./config.js";
import type { Mailer, Outbox } from "./ports.js";
import type { SigningKey } from "./tokens.js";

export interface TransactionalDeps {
  config: DigestConfig;
  mailer: Mailer;
  outbox: Outbox | null;
  keys: readonly SigningKey[];
  clock?: () => Date;
}

export function createTransactionalMail(_deps: TransactionalDeps): TransactionalMail {
  return {
    async send() {
      throw new Error("transactional mail is not written yet");
    },
  };
}
