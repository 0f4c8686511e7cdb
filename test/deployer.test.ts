import { strict as assert } from "assert";
import { principalTypeOfToken } from "../components/shared/deployer";

/** An unsigned JWT with these claims (only the payload matters here). */
function token(claims: Record<string, unknown>): string {
    return [{ alg: "none" }, claims].map((part) => Buffer.from(JSON.stringify(part)).toString("base64url")).join(".") + ".";
}

describe("principalTypeOfToken (the deployer's type, from its own ARM token)", () => {
    it("reads idtyp when the token has it", () => {
        assert.equal(principalTypeOfToken(token({ idtyp: "user", scp: "user_impersonation" })), "User");
        assert.equal(principalTypeOfToken(token({ idtyp: "app" })), "ServicePrincipal");
    });

    it("falls back to scp: delegated (a person) has it, app-only (CI, a managed identity) does not", () => {
        assert.equal(principalTypeOfToken(token({ scp: "user_impersonation", oid: "x" })), "User");
        assert.equal(principalTypeOfToken(token({ roles: ["x"], oid: "x" })), "ServicePrincipal");
        assert.equal(principalTypeOfToken(token({ scp: "" })), "ServicePrincipal");
    });

    it("refuses something that is not a JWT, saying what it could not tell", () => {
        assert.throws(() => principalTypeOfToken("not-a-token"), /cannot tell whether the deployer is a user or a service principal: its Azure access token is not a JWT/);
    });
});
