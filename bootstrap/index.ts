// The bootstrap's Pulumi entry point (bootstrap/Pulumi.yaml `main`): the result of the exported function is the stack outputs.
import { loadBootstrapConfig } from "./config";
import { bootstrap, BootstrapOutputs } from "./program";

/** Reads and validates the config (nothing is created if it is invalid), then creates the CI/CD foundation. */
function main(): BootstrapOutputs {
    return bootstrap(loadBootstrapConfig());
}

export = main;
