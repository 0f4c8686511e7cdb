import { stackConfigFromPulumi } from "./config";
import { platform, PlatformOutputs } from "./program";

/**
 * The stack program: read and validate this stack's config (nothing is created if it is invalid),
 * then compose the platform. Config errors throw at once; its result (a promise) becomes the stack outputs.
 */
export function main(): Promise<PlatformOutputs> {
    return platform(stackConfigFromPulumi());
}
