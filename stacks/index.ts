import { dev } from "./dev";
import { prod } from "./prod";
import { staging } from "./staging";
import { EnvironmentProfile } from "./profile";

export { EnvironmentProfile } from "./profile";

/** Every environment profile, by the name the `profile` config key takes. */
export const profiles: Readonly<Record<string, EnvironmentProfile>> = { dev, staging, prod };
