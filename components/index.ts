export * from "./cluster/aksCluster";
export * from "./cluster/kubeconfig";
export * from "./identity/workloadIdentity";
export * from "./keyvault/keyVault";
export * from "./shared/errors";
export * from "./shared/names";
export * from "./shared/roles";
export * from "./verification/verificationJob";
