import { describe, expect, it } from "vitest";
import { tokenHelperOf } from "../src/vault/token-helper.ts";

describe("the token_helper of a Vault CLI config file", () => {
  it("reads HCL and JSON forms, with escapes", () => {
    expect(tokenHelperOf('token_helper = "/usr/local/bin/helper"\n', "f")).toBe(
      "/usr/local/bin/helper",
    );
    expect(tokenHelperOf('{"token_helper": "/opt/my helper/h"}', "f")).toBe("/opt/my helper/h");
    expect(tokenHelperOf('  token_helper="/a/\\"q\\"/h" # set by enable\n', "f")).toBe('/a/"q"/h');
  });

  it("takes the last of two settings, as the CLI's HCL decoder does", () => {
    const twice = 'token_helper = "/first/helper"\ntoken_helper = "/second/helper"\n';
    expect(tokenHelperOf(twice, "f")).toBe("/second/helper");
    expect(tokenHelperOf('{"token_helper": "/first", "token_helper": "/second"}', "f")).toBe(
      "/second",
    );
    expect(tokenHelperOf('token_helper = "/a"\r\n# token_helper = "/b"\r\n', "f")).toBe("/a");
  });

  it("finds none in comments, other keys or an empty file", () => {
    expect(tokenHelperOf('# token_helper = "/x"\n// token_helper = "/y"\n', "f")).toBeUndefined();
    expect(tokenHelperOf('/* token_helper = "/z" */\n', "f")).toBeUndefined();
    expect(tokenHelperOf('old_token_helper = "/x"\n', "f")).toBeUndefined();
    expect(tokenHelperOf("", "f")).toBeUndefined();
  });

  it("refuses a setting it cannot read, without its value", () => {
    for (const text of [
      "token_helper = /bin/h\n",
      'token_helper = ""\n',
      "token_helper = '/h'\n",
    ]) {
      expect(() => tokenHelperOf(text, "/home/u/.vault")).toThrow(
        expect.objectContaining({ code: "S5_CONFIG_VAULT_TOKEN_HELPER" }),
      );
    }
    try {
      tokenHelperOf("token_helper = s3cret\n", "/home/u/.vault");
    } catch (error) {
      expect(String((error as Error).message)).not.toContain("s3cret");
    }
  });
});
