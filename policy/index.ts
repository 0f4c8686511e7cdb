/**
 * The `aks-workload-identity` CrossGuard policy pack: `pulumi preview --policy-pack <this folder>` runs it against
 * any Pulumi program's resources. The policies and their enforcement levels are in policies.ts.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("aks-workload-identity", { policies });
