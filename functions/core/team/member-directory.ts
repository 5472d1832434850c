import type { Role } from "./roles.js";

/**
 * Where the team's members sign in, kept in step with the team: deployed, the console's Cognito user
 * pool (functions/adapters/cognito-member-directory.ts: an invited person gets Cognito's invitation
 * mail with a temporary password, and sits in the user-pool group of their role); locally nothing
 * (the local owner signs in through the link `digest serve` prints, others with personal tokens).
 * The team table stays what decides a member's role (http/admin-auth.ts); the directory only lets
 * them sign in.
 */
export interface MemberDirectory {
  /**
   * Lets `email` sign in with `role`'s group. A person who has a sign-in already keeps it (no second
   * invitation, no new password): only their group is set. Says which of the two it was.
   */
  invite(email: string, role: Role): Promise<{ invited: boolean }>;
  /** Moves the person to `role`'s group (and out of the others); one without a sign-in is invited. */
  setRole(email: string, role: Role): Promise<void>;
  /** Takes the person's sign-in away; nothing happens for one who has none. */
  remove(email: string): Promise<void>;
}

/** No sign-in to keep in step (local runs). */
export const NO_MEMBER_DIRECTORY: MemberDirectory = {
  invite: async () => ({ invited: false }),
  setRole: async () => {},
  remove: async () => {},
};
