import * as pulumi from "@pulumi/pulumi";
import { EngineMocks, EngineMocksOptions } from "../../plan/mocks";

export { EngineMocks, fakeAzure } from "../../plan/mocks";
export { settle } from "../../plan/engine";
export type { MockedResource as MockedResourceLike } from "../../plan/mocks";

/** The project and stack the unit tests run as. */
export const testProject = "aks-workload-identity";
export const testStack = "unit";

/**
 * Installs fresh mocks on Pulumi's in-process engine and returns them.
 * Call it in `before`/`beforeEach`, before constructing anything.
 */
export async function useMocks(options: EngineMocksOptions = {}, preview = false, stack = testStack): Promise<EngineMocks> {
    return new EngineMocks(options).install(testProject, stack, preview);
}

/** Resolves an Output's value (undefined when it is unknown, as at preview). */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((value) => {
        resolve(value);
        return value;
    }));
}

/** Resolves whether an Output is known, without waiting for an unknown value forever. */
export function isKnown(output: pulumi.Output<unknown>): Promise<boolean> {
    return (output as unknown as { isKnown: Promise<boolean> }).isKnown;
}

/** Resolves a resource's URN. */
export function urnOf(resource: pulumi.Resource): Promise<string> {
    return promiseOf(resource.urn);
}

/** Runs `fn` and returns the error it throws; fails if it does not throw. */
export function errorOf(fn: () => unknown): Error {
    try {
        fn();
    } catch (err) {
        return err as Error;
    }
    throw new Error("expected an error, but none was thrown");
}

let counter = 0;
/** A unique component name: mocha runs every spec file in one process, on one engine. */
export function unique(base: string): string {
    counter += 1;
    return `${base}${counter}`;
}
