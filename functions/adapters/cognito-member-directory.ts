import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  CognitoIdentityProviderClient,
  type CognitoIdentityProviderClientConfig,
  UserNotFoundException,
  UsernameExistsException,
} from "@aws-sdk/client-cognito-identity-provider";
import type { MemberDirectory } from "../core/team/member-directory.js";
import { ROLES, type Role } from "../core/team/roles.js";

/**
 * The team's sign-ins in the console's Cognito user pool (infra/console-auth.ts: sign-in by email,
 * no self sign-up, one group per role). Exactly these calls, which the stack grants the api function
 * (infra/grants.ts, grantMemberDirectory): AdminCreateUser, AdminGetUser, AdminListGroupsForUser,
 * AdminAddUserToGroup, AdminRemoveUserFromGroup, AdminDeleteUser.
 *
 * The pool signs people in by email, so Cognito names each user by a generated id (the `sub`-like
 * username AdminCreateUser and AdminGetUser return); the group calls use that name, which every
 * Cognito implementation resolves (cognito-local lists a user's groups by it only).
 */
export const MEMBER_DIRECTORY_ACTIONS = [
  "cognito-idp:AdminCreateUser",
  "cognito-idp:AdminGetUser",
  "cognito-idp:AdminListGroupsForUser",
  "cognito-idp:AdminAddUserToGroup",
  "cognito-idp:AdminRemoveUserFromGroup",
  "cognito-idp:AdminDeleteUser",
] as const;

export class CognitoMemberDirectory implements MemberDirectory {
  readonly client: CognitoIdentityProviderClient;

  constructor(
    private readonly userPoolId: string,
    clientConfig: CognitoIdentityProviderClientConfig = {},
  ) {
    this.client = new CognitoIdentityProviderClient(clientConfig);
  }

  /**
   * AdminCreateUser with the address as username and verified email (so Cognito mails the invitation
   * with a temporary password, valid 7 days, and the person can recover their password by email).
   * Someone already in the pool (UsernameExistsException: invited before, or a member removed from
   * the team table by hand) is not invited again: their password and MFA stay, only their group is set.
   */
  async invite(email: string, role: Role): Promise<{ invited: boolean }> {
    let username: string | undefined;
    try {
      const created = await this.client.send(
        new AdminCreateUserCommand({
          UserPoolId: this.userPoolId,
          Username: email,
          UserAttributes: [
            { Name: "email", Value: email },
            { Name: "email_verified", Value: "true" },
          ],
          DesiredDeliveryMediums: ["EMAIL"],
        }),
      );
      username = created.User?.Username;
    } catch (err) {
      if (!(err instanceof UsernameExistsException)) throw err;
      const existing = await this.usernameOf(email);
      if (!existing) throw err; // deleted in between: let the caller run it again
      await this.setGroups(existing, role);
      return { invited: false };
    }
    await this.setGroups(username ?? email, role);
    return { invited: true };
  }

  async setRole(email: string, role: Role): Promise<void> {
    const username = await this.usernameOf(email);
    // A member from before the pool (or added with the tables alone): invite them now.
    if (!username) await this.invite(email, role);
    else await this.setGroups(username, role);
  }

  /**
   * AdminDeleteUser rather than AdminDisableUser: a removed member keeps no account, password or MFA
   * secret in the pool (the audit log keeps who removed them, when), their refresh tokens stop
   * working, and adding them again later sends a fresh invitation instead of reviving an old password.
   * The ID tokens they hold until they expire (1 hour) are refused by the auth check, which knows the
   * removal (TeamStore.wasRemoved).
   */
  async remove(email: string): Promise<void> {
    try {
      await this.client.send(new AdminDeleteUserCommand({ UserPoolId: this.userPoolId, Username: email }));
    } catch (err) {
      if (!(err instanceof UserNotFoundException)) throw err;
    }
  }

  /** The pool's name of the person signing in with `email`, or null when there is none. */
  private async usernameOf(email: string): Promise<string | null> {
    try {
      const user = await this.client.send(
        new AdminGetUserCommand({ UserPoolId: this.userPoolId, Username: email }),
      );
      return user.Username ?? null;
    } catch (err) {
      if (err instanceof UserNotFoundException) return null;
      throw err;
    }
  }

  /** In `role`'s group and in no other role's (a person's other groups are left alone). */
  private async setGroups(username: string, role: Role): Promise<void> {
    const current: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.client.send(
        new AdminListGroupsForUserCommand({ UserPoolId: this.userPoolId, Username: username, NextToken }),
      );
      current.push(...(page.Groups ?? []).map((g) => g.GroupName ?? ""));
      NextToken = page.NextToken;
    } while (NextToken);
    for (const other of ROLES.filter((r) => r !== role && current.includes(r)))
      await this.client.send(
        new AdminRemoveUserFromGroupCommand({
          UserPoolId: this.userPoolId,
          Username: username,
          GroupName: other,
        }),
      );
    if (!current.includes(role))
      await this.client.send(
        new AdminAddUserToGroupCommand({ UserPoolId: this.userPoolId, Username: username, GroupName: role }),
      );
  }
}
