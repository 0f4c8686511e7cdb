import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { jwtDecode } from "jwt-decode";
import { DeployerPrincipalType } from "./enums";

export type { DeployerPrincipalType } from "./enums";

/** The principal running this update, as Azure sees it. */
export interface Deployer {
    /** Its object id: what role assignments name. */
    readonly objectId: pulumi.Output<string>;
    /** Its type, read from its own access token on every run: never configured. */
    readonly principalType: pulumi.Output<DeployerPrincipalType>;
    /** The subscription it deploys to. */
    readonly subscriptionId: pulumi.Output<string>;
}

/**
 * The principal type an Entra access token was issued to. `idtyp` says it when present ("user" or "app"); otherwise
 * a delegated (user) token carries `scp` and an app-only token (service principal, managed identity) does not.
 */
export function principalTypeOfToken(token: string): DeployerPrincipalType {
    let claims: { idtyp?: unknown; scp?: unknown };
    try {
        claims = jwtDecode<{ idtyp?: unknown; scp?: unknown }>(token);
    } catch (err) {
        throw new pulumi.RunError(`cannot tell whether the deployer is a user or a service principal: its Azure access token is not a JWT (${(err as Error).message})`);
    }
    if (claims.idtyp === "user") return "User";
    if (claims.idtyp === "app") return "ServicePrincipal";
    return typeof claims.scp === "string" && claims.scp.length > 0 ? "User" : "ServicePrincipal";
}

/**
 * Who runs this update. Its principal type is read from its token rather than configured, because a person may run
 * staging and CI may run dev, and the next `up` or the `destroy` may be someone else. It matters: azure-native's SDK
 * fills an omitted `principalType` with the API spec's default "User" (azure-rest-api-specs #21664), which ARM refuses
 * for a service principal (UnmatchedPrincipalType).
 */
export function currentDeployer(opts?: pulumi.InvokeOutputOptions): Deployer {
    const config = authorization.getClientConfigOutput(opts);
    // The token never leaves this function: only the type derived from it does.
    const token = authorization.getClientTokenOutput(undefined, opts).token;
    return {
        objectId: config.objectId,
        principalType: token.apply(principalTypeOfToken),
        subscriptionId: config.subscriptionId,
    };
}
