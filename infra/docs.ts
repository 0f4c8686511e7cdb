import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { profiles } from "../stacks";
import { z } from "zod";
import { configSchema, ConfigKeySpec, nestedSchemas } from "./schema";

/** Where the generated config reference sits in README.md. */
export const readmeMarkers = { begin: "<!-- config-reference:begin -->", end: "<!-- config-reference:end -->" } as const;

/**
 * Whether Pulumi.yaml declares a key. The CLI treats a project key declared with neither `default` nor `value`
 * as required (pulumi/pulumi pkg/workspace/config.go, mergeConfig), so only required keys and keys with a fixed
 * default are declared; keys whose default depends on the profile or on other keys are left undeclared (an
 * undeclared key is allowed). A `secret: true` key with a default would be refused on every stack that does
 * not set it (the merged default is plain text), so secret keys are not declared either.
 */
export function declaredInPulumiYaml(spec: ConfigKeySpec): boolean {
    if (spec.secret) return false;
    return spec.required === true || spec.default !== undefined;
}

/** Pulumi.yaml's `config:` block, from the schema. */
export function pulumiYamlConfig(): Record<string, Record<string, unknown>> {
    const block: Record<string, Record<string, unknown>> = {};
    for (const [key, spec] of Object.entries(configSchema) as [string, ConfigKeySpec][]) {
        if (!declaredInPulumiYaml(spec)) continue;
        const entry: Record<string, unknown> = { type: spec.type, description: spec.description };
        if (spec.type === "array") entry.items = { type: spec.items ?? "string" };
        if (spec.default !== undefined) entry.default = spec.default;
        block[key] = entry;
    }
    return block;
}

/** The type column: `array<object>` for lists of maps, as the CLI names declared types. */
function typeText(spec: ConfigKeySpec): string {
    return spec.type === "array" ? `array<${spec.items ?? "string"}>` : spec.type;
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
    if (spec.computedDefault) return spec.computedDefault;
    return spec.default === undefined ? "—" : `\`${JSON.stringify(spec.default)}\``;
}

/** A zod object's fields, with each field's description (the schema's `.describe()`). */
function fieldRows(schema: z.ZodType): string[] {
    const shape = (schema as unknown as { shape: Record<string, z.ZodType> }).shape;
    return Object.entries(shape).map(([field, fieldSchema]) => {
        const optional = fieldSchema.safeParse(undefined).success;
        return `| \`${field}\` | ${optional ? "" : "**required** "}${(fieldSchema.description ?? "").replace(/\|/g, "\\|")} |`;
    });
}

/** The README's config reference: a table of keys and one table per nested object, from the schema. */
export function configReferenceMarkdown(): string {
    const rows = (Object.entries(configSchema) as [string, ConfigKeySpec][]).map(([key, spec]) =>
        `| \`${key}\` | ${typeText(spec)}${spec.secret ? " (secret)" : ""} | ${defaultText(spec)} | ${spec.description.replace(/\|/g, "\\|")} |`);
    const nested = Object.entries(nestedSchemas).flatMap(([path, schema]) => [
        "",
        `Fields of each \`${path}\` entry (any other field is refused):`,
        "",
        "| field | what it does |",
        "|---|---|",
        ...fieldRows(schema),
    ]);
    return ["| key | type | default | what it does |", "|---|---|---|---|", ...rows, ...nested].join("\n");
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
