/** Azure's tag limits (learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations). */
export const tagLimits = { maxTags: 50, maxKeyLength: 512, maxValueLength: 256, forbiddenKeyCharacters: "<>%&\\?/" } as const;

/** The tags the stack program adds to every resource itself, so they count against the limit. */
export const programTagKeys = ["environment", "stack", "managed-by"] as const;

/**
 * Every problem with a tag map, each as `[tag key or undefined for the map, sentence end]`.
 * `reserved` tag keys are added by the caller and count against the 50-tag limit.
 */
export function tagProblems(tags: Readonly<Record<string, unknown>>, reserved: readonly string[] = []): [string | undefined, string][] {
    const problems: [string | undefined, string][] = [];
    const keys = Object.keys(tags);
    const total = new Set([...keys, ...reserved]).size;
    if (total > tagLimits.maxTags) {
        problems.push([undefined, `has ${keys.length} tags${reserved.length ? ` (${total} with the ${reserved.length} the program adds: ${reserved.join(", ")})` : ""}: Azure allows at most ${tagLimits.maxTags} per resource`]);
    }
    for (const key of keys) {
        const value = tags[key];
        const bad = [...tagLimits.forbiddenKeyCharacters].filter((c) => key.includes(c));
        if (key.length === 0 || key.length > tagLimits.maxKeyLength) problems.push([key, `is a tag name of ${key.length} characters: Azure allows 1-${tagLimits.maxKeyLength}`]);
        if (bad.length > 0) problems.push([key, `is a tag name with ${bad.map((c) => `'${c}'`).join(", ")}: Azure refuses any of ${[...tagLimits.forbiddenKeyCharacters].join(" ")} in tag names`]);
        if (typeof value !== "string") problems.push([key, `must be a string, not ${JSON.stringify(value)}`]);
        else if (value.length > tagLimits.maxValueLength) problems.push([key, `is a tag value of ${value.length} characters: Azure allows at most ${tagLimits.maxValueLength}`]);
    }
    return problems;
}

/** {@link tagProblems} as sentences naming a component argument (`tags`, `tags."cost/center"`). */
export function tagArgProblems(arg: string, tags: Readonly<Record<string, unknown>> | undefined): string[] {
    return tagProblems(tags ?? {}).map(([key, problem]) => `${key === undefined ? arg : `${arg}.${JSON.stringify(key)}`} ${problem}`);
}
