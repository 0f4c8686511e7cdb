import * as pulumi from "@pulumi/pulumi";
import { EngineMocks, MockedResource } from "../plan/mocks";
import { projectDir } from "../plan/plan";
import { readPlanConfig } from "../plan/stackConfig";

/**
 * The stack's resources with concrete, realistic values for what Azure computes (issuer URL with its trailing
 * slash, client and principal ids, vault name and URI): the mocks' `fake` style.
 *
 * Interim: to be replaced by the plan's rehearsal mode (`planStack({ values: "rehearsal" })`) once it lands.
 */
export async function rehearseStack(stack: string, set: readonly string[] = []): Promise<MockedResource[]> {
    const loaded = readPlanConfig({ dir: projectDir, stack, set });
    const mocks = await new EngineMocks({ style: "fake" }).install(loaded.project, loaded.stack, false);
    pulumi.runtime.setAllConfig({ ...loaded.values }, loaded.secretKeys);
    const { main } = await import("../infra/main");
    main();
    let quiet = 0;
    let seen = -1;
    while (quiet < 5) {
        await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
        await new Promise((resolve) => setTimeout(resolve, 2));
        quiet = mocks.resources.length === seen ? quiet + 1 : 0;
        seen = mocks.resources.length;
    }
    return [...mocks.resources];
}
