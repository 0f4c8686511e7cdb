import * as pulumi from "@pulumi/pulumi";

/**
 * Thrown for invalid component arguments or configuration, before any resource registers.
 *
 * It extends `pulumi.RunError` so the Pulumi CLI prints the message alone, not a stack trace.
 * `problems` lists every problem found, one sentence each.
 */
export class ArgsError extends pulumi.RunError {
    readonly problems: readonly string[];

    constructor(subject: string, problems: readonly string[]) {
        const list = problems.map((p) => `  - ${p}`).join("\n");
        super(`${subject}: ${problems.length === 1 ? "1 problem" : `${problems.length} problems`}, nothing was created:\n${list}`);
        this.name = "ArgsError";
        this.problems = [...problems];
    }
}

/**
 * Collects problems so that one error can report all of them.
 */
export class Problems {
    private readonly list: string[] = [];

    add(problem: string): void {
        this.list.push(problem);
    }

    /** Adds every problem from `other` (for example, from a nested validation). */
    addAll(other: readonly string[]): void {
        this.list.push(...other);
    }

    get all(): readonly string[] {
        return this.list;
    }

    /** Throws an {@link ArgsError} naming `subject` if any problem was added. */
    throwIfAny(subject: string): void {
        if (this.list.length > 0) {
            throw new ArgsError(subject, this.list);
        }
    }
}
