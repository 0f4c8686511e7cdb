// The Pulumi entry point (Pulumi.yaml `main`). Pulumi calls an exported function and uses its result as the stack outputs.
import { main } from "./main";

export = main;
