import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { profiles } from "../stacks";
import { configSchema, ConfigKeySpec } from "./schema";

/** Where the generated config reference sits in README.md. */
export const readmeMarkers = { begin: "<!-- config-reference:begin -->", end: "<!-- config-reference:end -->" } as const;

/**
 * Pulumi.yaml's `config:` block, from the schema. Pulumi's project schema types only string, integer,
 * boolean and array, so structured (`object`) keys are documented in the README only.
 */
export function pulumiYamlConfig(): Record<string, Record<string, unknown>> {
    const block: Record<string, Record<string, unknown>> = {};
    for (const [key, spec] of Object.entries(configSchema) as [string, ConfigKeySpec][]) {
        if (spec.type === "object") continue;
        const entry: Record<string, unknown> = { type: spec.type, description: spec.description };
        if (spec.type === "array") entry.items = { type: "string" };
        if (spec.default !== undefined) entry.default = spec.default;
        if (spec.secret) entry.secret = true;
        block[key] = entry;
    }
    return block;
}

/** The default column of the README's table: a value, the profile defaults, or "required". */
function defaultText(spec: ConfigKeySpec): string {
    if (spec.required) return "**required**";
    if (spec.profileDefault) {
        return Object.values(profiles).map((p) => {
            const value = spec.profileDefault!(p);
            return `${p.name}: ${value === undefined ? "—" : JSON.stringify(value)}`;
        }).join("<br>");
    }
    return spec.default === undefined ? "—" : `\`${JSON.stringify(spec.default)}\``;
}

/** The README's config reference table, from the schema. */
export function configReferenceMarkdown(): string {
    const rows = (Object.entries(configSchema) as [string, ConfigKeySpec][]).map(([key, spec]) =>
        `| \`${key}\` | ${spec.type}${spec.secret ? " (secret)" : ""} | ${defaultText(spec)} | ${spec.description.replace(/\|/g, "\\|")} |`);
    return ["| key | type | default | what it does |", "|---|---|---|---|", ...rows].join("\n");
}

/** Rewrites Pulumi.yaml's config block and the README's config reference from the schema. */
export function writeDocs(root: string): void {
    const pulumiYaml = path.join(root, "Pulumi.yaml");
    const doc = parseDocument(readFileSync(pulumiYaml, "utf8"));
    doc.set("config", pulumiYamlConfig());
    writeFileSync(pulumiYaml, doc.toString({ lineWidth: 0 }));

    const readmePath = path.join(root, "README.md");
    const readme = readFileSync(readmePath, "utf8");
    const begin = readme.indexOf(readmeMarkers.begin);
    const end = readme.indexOf(readmeMarkers.end);
    if (begin < 0 || end < begin) throw new Error(`README.md has no ${readmeMarkers.begin} ... ${readmeMarkers.end} block`);
    writeFileSync(readmePath, `${readme.slice(0, begin + readmeMarkers.begin.length)}\n${configReferenceMarkdown()}\n${readme.slice(end)}`);
}

if (require.main === module) {
    writeDocs(path.resolve(__dirname, ".."));
    console.log("wrote Pulumi.yaml config and the README config reference");
}
