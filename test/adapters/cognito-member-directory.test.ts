import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CognitoMemberDirectory } from "../../functions/adapters/cognito-member-directory.js";
import { type CognitoLocal, startCognitoLocal } from "../helpers/cognito-local.js";

/**
 * The Cognito adapter of the team's MemberDirectory against cognito-local (a real Cognito-speaking
 * endpoint on loopback, test/helpers/cognito-local.ts), through the real SDK client.
 */

const POOL = "us-east-1_TeamPool1";
let cognito: CognitoLocal;
let directory: CognitoMemberDirectory;

beforeAll(async () => {
  cognito = await startCognitoLocal([POOL]);
  directory = new CognitoMemberDirectory(POOL, {
    endpoint: cognito.url,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
}, 60_000);

afterAll(async () => {
  directory?.client.destroy();
  await cognito?.close();
});

describe("CognitoMemberDirectory", () => {
  it("invites a person: a user with the verified address, waiting for a new password, in the role's group", async () => {
    expect(await directory.invite("rosa@example.com", "editor")).toEqual({ invited: true });
    const user = await cognito.user(POOL, "rosa@example.com");
    expect(user?.attributes).toMatchObject({ email: "rosa@example.com", email_verified: "true" });
    expect(user?.status).toBe("FORCE_CHANGE_PASSWORD");
    expect(await cognito.groupsOf(POOL, "rosa@example.com")).toEqual(["editor"]);
  });

  it("re-inviting someone already in the pool is no error: no new invitation, the group is set", async () => {
    expect(await directory.invite("rosa@example.com", "viewer")).toEqual({ invited: false });
    expect(await cognito.groupsOf(POOL, "rosa@example.com")).toEqual(["viewer"]);
  });

  it("a role change moves the group (and leaves no other role's)", async () => {
    await directory.setRole("rosa@example.com", "owner");
    expect(await cognito.groupsOf(POOL, "rosa@example.com")).toEqual(["owner"]);
  });

  it("a role change for someone without a sign-in invites them", async () => {
    await directory.setRole("old-member@example.com", "viewer");
    expect(await cognito.user(POOL, "old-member@example.com")).toMatchObject({
      status: "FORCE_CHANGE_PASSWORD",
    });
    expect(await cognito.groupsOf(POOL, "old-member@example.com")).toEqual(["viewer"]);
  });

  it("removal deletes the user; removing someone without a sign-in is no error", async () => {
    await directory.remove("rosa@example.com");
    expect(await cognito.user(POOL, "rosa@example.com")).toBeNull();
    await directory.remove("rosa@example.com");
    await directory.remove("never-invited@example.com");
  });

  it("a Cognito failure other than 'exists' or 'not found' is thrown (nothing is hidden)", async () => {
    const elsewhere = new CognitoMemberDirectory("us-east-1_NoSuchPool", {
      endpoint: cognito.url,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    await expect(elsewhere.invite("ann@example.com", "viewer")).rejects.toThrow(/NoSuchPool|not found/i);
    elsewhere.client.destroy();
  });
});
