import type { ErrorObject } from "ajv";
import { distance } from "fastest-levenshtein";
import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";
import { parse } from "yaml";
import { projectSchemaValidator } from "./projectSchema";

/**
 * Reads `Pulumi.yaml` and `Pulumi.<stack>.yaml` the way the Pulumi CLI does before it runs a program, and refuses
 * what the CLI refuses, in the CLI's words. The sources (pulumi/pulumi at 1b5949891b3c, 2026-08-21), by line:
 *  - sdk/go/common/workspace/loaders.go:118, :143   "could not validate '<path>': ..." / "could not unmarshal '<path>': ..."
 *  - sdk/go/common/workspace/project.go:569-591     ValidateProject: the name checks, then the JSON schema (:623 "did you mean")
 *  - sdk/go/common/workspace/project.go:486         RewriteShorthandConfigValues
 *  - sdk/go/common/workspace/project.go:837-883     Project.Validate, one message per rule (:845, :853, :861, :869, :877, :883)
 *  - sdk/go/common/workspace/project.go:760, :771   InferFullTypeName, ValidateConfigValue
 *  - pkg/workspace/config.go:255-365                mergeConfig; :30-62 the missing-keys message; :130 secret; :148 type
 *  - sdk/go/common/resource/config/object.go:403    MarshalString: scalars become text, lists and maps JSON objects
 * Offline, `secure:` values cannot be decrypted: they read as {@link encryptedPlaceholder}, and their type is not
 * checked (the CLI checks the decrypted value).
 */

/** A stack's config as the Pulumi CLI hands it to the program: `<project>:<key>` → string (structured values as JSON). */
export type RawStackConfig = Record<string, string>;

/** What an encrypted (`secure:`) value reads as offline, where it cannot be decrypted. */
export const encryptedPlaceholder = "<encrypted in the stack file>";

/** Thrown when a stack has no `Pulumi.<stack>.yaml`. */
export class UnknownStackError extends Error {}

/** Thrown when the CLI would refuse the project or stack file; `problems` are the CLI's messages. */
export class StackFilesError extends Error {
    readonly problems: readonly string[];

    constructor(problems: readonly string[]) {
        super(problems.join("\n"));
        this.name = "StackFilesError";
        this.problems = [...problems];
    }
}

/** One config value as the CLI holds it (config.Value): text, whether it is a structured object, whether it is encrypted. */
interface CliValue {
    readonly text: string;
    readonly object: boolean;
    readonly secure: boolean;
    /** The structure, for objects; the text for scalars. */
    readonly content: unknown;
}

/** A key's declaration in Pulumi.yaml (ProjectConfigType). */
interface ConfigDeclaration {
    type?: string;
    description?: string;
    items?: ItemsType;
    default?: unknown;
    value?: unknown;
    secret?: boolean;
}

/** ProjectConfigItemsType. */
interface ItemsType {
    type: string;
    items?: ItemsType;
}

/** The project file, as far as config is concerned. */
export interface ProjectFile {
    readonly name: string;
    readonly config: Readonly<Record<string, ConfigDeclaration>>;
}

/** What {@link readStackFiles} returns: config as the CLI hands it to the program. */
export interface StackFiles {
    /** The project name, from `Pulumi.yaml`. */
    readonly project: string;
    /** The stack name. */
    readonly stack: string;
    /** `project:key` → value; structured values are JSON-encoded, as the CLI passes them. */
    readonly values: RawStackConfig;
    /** The full keys whose values are encrypted (`secure:`) in the stack file. */
    readonly secretKeys: string[];
}

/** A value set on top of the stack file, as `pulumi config set [--path]` would. */
export interface ConfigOverride {
    /** `key` or `namespace:key`. */
    readonly key: string;
    /** The value: a string for `pulumi config set`, a list or map for structured YAML. */
    readonly value: unknown;
}

/**
 * One JSON-schema error as `#<location>: <message>` (project.go ValidateProject). The CLI's validator is
 * santhosh-tekuri/jsonschema; the location and the "not allowed; did you mean" wording follow the CLI, other
 * message bodies are ajv's.
 */
function schemaErrorText(error: ErrorObject): string {
    // The CLI suggests the closest attribute within a Levenshtein distance of 2 (project.go:652 findClosestKey).
    if (error.keyword === "additionalProperties") {
        const attr = (error.params as { additionalProperty: string }).additionalProperty;
        const allowed = Object.keys((error.parentSchema as { properties?: Record<string, unknown> })?.properties ?? {}).sort();
        const closest = allowed.map((a) => [a, distance(attr, a)] as const).filter(([, n]) => n <= 2).sort((x, y) => x[1] - y[1])[0];
        const hint = closest ? `; did you mean '${closest[0]}'?`
            : allowed.length > 1 ? `; the allowed attributes are ${allowed.slice(0, -1).map((a) => `'${a}'`).join(", ")} and '${allowed[allowed.length - 1]}'`
                : allowed.length === 1 ? `; the only allowed attribute is '${allowed[0]}'` : "";
        return `#${error.instancePath}: additionalProperties '${attr}' not allowed${hint}`;
    }
    if (error.keyword === "enum") {
        return `#${error.instancePath}: value must be one of ${((error.params as { allowedValues: unknown[] }).allowedValues).map((v) => JSON.stringify(v)).join(", ")}`;
    }
    return `#${error.instancePath}: ${error.message}`;
}

/** The errors that say what is wrong, without the other branches of a `oneOf` the value was never meant to match. */
function relevantSchemaErrors(errors: readonly ErrorObject[]): ErrorObject[] {
    const specific = errors.filter((e) => e.keyword !== "oneOf" && !(e.keyword === "type" && e.schemaPath.includes("/oneOf/")));
    return specific.length > 0 ? specific : [...errors];
}

/** Whether a config key is the project's (no namespace, or the project's): project.go configKeyIsNamespacedByProject. */
function namespacedByProject(project: string, key: string): boolean {
    return !key.includes(":") || key.startsWith(`${project}:`);
}

/** The full `namespace:key` (config.go parseConfigKey). */
function fullKey(project: string, key: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

/** project.go InferFullTypeName: `array<string>` for an array of strings. */
function fullTypeName(type: string, items?: ItemsType): string {
    return items ? `array<${fullTypeName(items.type, items.items)}>` : type;
}

/** project.go ValidateConfigValue: whether `value` (text for scalars, structure for objects) is of the declared type. */
export function isOfConfigType(type: string, items: ItemsType | undefined, value: unknown): boolean {
    switch (type) {
        case "string":
            return typeof value === "string";
        case "integer":
            // YAML numbers, whole floats, and text that strconv.Atoi accepts.
            return (typeof value === "number" && Number.isInteger(value)) || (typeof value === "string" && /^[+-]?\d+$/.test(value) && Number.isSafeInteger(Number(value)));
        case "boolean":
            return typeof value === "boolean" || value === "true" || value === "false";
        case "object":
            return value !== null && typeof value === "object" && !Array.isArray(value);
        default:
            return Array.isArray(value) && items !== undefined && value.every((item) => isOfConfigType(items.type, items.items, item));
    }
}

/**
 * Reads and checks `Pulumi.yaml` as the CLI's LoadProjectBytes does: the JSON schema (`could not validate`), the
 * shorthand rewrite (a bare value is a project key's `default`, another namespace's `value`), then Project.Validate
 * (`could not unmarshal`).
 */
export function readProjectFile(root: string): ProjectFile {
    const file = path.join(root, "Pulumi.yaml");
    const raw = parse(readFileSync(file, "utf8")) as Record<string, unknown> | null;
    // project.go ValidateProject: the name first, then the JSON schema.
    if (!raw || typeof raw !== "object" || !("name" in raw)) {
        // project.go:582 and :587
        const close = Object.keys(raw ?? {}).map((k) => [k, distance("name", k)] as const).filter(([, n]) => n <= 2).sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]))[0];
        throw new StackFilesError([`could not validate '${file}': project is missing a 'name' attribute${close ? `; found '${close[0]}' instead` : ""}`]);
    }
    if (typeof raw.name !== "string" || raw.name === "") throw new StackFilesError([`could not validate '${file}': project is missing a non-empty string 'name' attribute`]);
    const validateProjectSchema = projectSchemaValidator();
    if (!validateProjectSchema(raw)) {
        throw new StackFilesError(relevantSchemaErrors(validateProjectSchema.errors ?? []).map((e) => `could not validate '${file}': ${schemaErrorText(e)}`));
    }
    const project = raw.name;
    const config: Record<string, ConfigDeclaration> = {};
    for (const [key, declared] of Object.entries((raw.config ?? {}) as Record<string, unknown>)) {
        // project.go RewriteShorthandConfigValues: `key: value` means a default for the project's keys, a value for others'.
        const shorthand = declared === null || typeof declared !== "object" || Array.isArray(declared);
        config[key] = shorthand ? (namespacedByProject(project, key) ? { default: declared } : { value: declared }) : (declared as ConfigDeclaration);
    }
    const problems: string[] = [];
    for (const [key, declared] of Object.entries(config)) {
        const has = (v: unknown) => v !== undefined && v !== null;
        const message = projectConfigProblem(project, key, declared, has);
        if (message) problems.push(`could not unmarshal '${file}': ${message}`);
    }
    if (problems.length > 0) throw new StackFilesError(problems);
    return { name: project, config };
}

/** project.go Project.Validate, for one config key: the CLI's message, or undefined. */
function projectConfigProblem(project: string, key: string, declared: ConfigDeclaration, has: (v: unknown) => boolean): string | undefined {
    if (has(declared.default) && has(declared.value)) return `project config '${key}' cannot have both a 'default' and 'value' attribute`;
    if (namespacedByProject(project, key)) {
        if (declared.type === "array" && !declared.items) {
            return `The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`;
        }
        if (declared.type !== undefined && has(declared.default) && !isOfConfigType(declared.type, declared.items, declared.default)) {
            return `The default value specified for configuration key '${key}' is not of the expected type '${fullTypeName(declared.type, declared.items)}'`;
        }
        return undefined;
    }
    if (declared.type !== undefined) return `Configuration key '${key}' is not namespaced by the project and should not define a type`;
    if (has(declared.default)) {
        return `Configuration key '${key}' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?`;
    }
    if (!has(declared.value)) return `Configuration key '${key}' is namespaced and must provide an attribute 'value'`;
    return undefined;
}

/** Whether a YAML value holds a `secure:` ciphertext anywhere (object.go Secure). */
function holdsCiphertext(value: unknown): boolean {
    if (Array.isArray(value)) return value.some(holdsCiphertext);
    if (value && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>);
        return (entries.length === 1 && entries[0][0] === "secure") || entries.some(([, v]) => holdsCiphertext(v));
    }
    return false;
}

/** Replaces every `{secure: ...}` value, at any depth, with {@link encryptedPlaceholder}. */
function withoutCiphertext(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(withoutCiphertext);
    if (value && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>);
        if (entries.length === 1 && entries[0][0] === "secure") return encryptedPlaceholder;
        return Object.fromEntries(entries.map(([k, v]) => [k, withoutCiphertext(v)]));
    }
    return value;
}

/** A YAML value as the CLI holds it (object.go MarshalString): strings as they are, other scalars as JSON text, lists and maps as objects. */
function cliValue(value: unknown): CliValue {
    const secure = holdsCiphertext(value);
    const plain = withoutCiphertext(value);
    if (plain === null || plain === undefined) return { text: "", object: false, secure, content: "" };
    if (typeof plain !== "object") {
        const text = typeof plain === "string" ? plain : JSON.stringify(plain);
        return { text, object: false, secure, content: text };
    }
    return { text: JSON.stringify(plain), object: true, secure, content: plain };
}

/** A project default or value merged into the stack (config.go createConfigValue): string, integer and boolean as text, anything else as an object. */
function projectValue(value: unknown): CliValue {
    if (typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isInteger(value))) {
        return { text: String(value), object: false, secure: false, content: String(value) };
    }
    return { text: JSON.stringify(value), object: true, secure: false, content: value };
}

/** config.go:30-62 formatMissingKeys and missingStackConfigurationKeysError. */
function missingKeysMessage(stack: string, keys: string[]): string {
    const sorted = [...keys].sort();
    const list = sorted.length === 1 ? `'${sorted[0]}'`
        : `${sorted.slice(0, -1).map((k) => `'${k}'`).join(", ")} and '${sorted[sorted.length - 1]}'`;
    return `Stack '${stack}' is missing configuration ${sorted.length > 1 ? "values" : "value"} ${list}`;
}

/**
 * Reads a stack's config the way the Pulumi CLI does before it runs the program: Pulumi.yaml (checked as
 * {@link readProjectFile} says), Pulumi.<stack>.yaml, `overrides` on top (as `pulumi config set` would have
 * written them), then config.go mergeConfig: each declared key's `default`/`value` where the stack sets none,
 * the missing required keys, declared types and `secret: true`. Throws {@link StackFilesError} with the CLI's
 * messages (all of them; the CLI stops at the first type error), or {@link UnknownStackError}.
 */
export function readStackFiles(root: string, stack: string, overrides: readonly ConfigOverride[] = []): StackFiles {
    const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
    if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !existsSync(stackFile)) {
        throw new UnknownStackError(`no stack "${stack}": Pulumi.${stack}.yaml does not exist (stacks here: ${listStacks(root).join(", ")})`);
    }
    const project = readProjectFile(root);
    const values = new Map<string, CliValue>();
    const stackConfig = (parse(readFileSync(stackFile, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
    for (const [key, value] of Object.entries(stackConfig)) values.set(fullKey(project.name, key), cliValue(value));
    for (const { key, value } of overrides) values.set(fullKey(project.name, key), cliValue(value));

    // config.go mergeConfig: project keys in sorted order.
    const missing: string[] = [];
    const declaredKeys = Object.keys(project.config).sort();
    for (const key of declaredKeys) {
        const declared = project.config[key];
        const full = fullKey(project.name, key);
        const hasDefault = declared.default !== undefined && declared.default !== null;
        const hasValue = declared.value !== undefined && declared.value !== null;
        if (!values.has(full) && !hasValue && !hasDefault && namespacedByProject(project.name, key)) {
            missing.push(key);
        } else if (!values.has(full) && (hasValue || hasDefault)) {
            values.set(full, projectValue(hasDefault ? declared.default : declared.value));
        }
    }
    if (missing.length > 0) throw new StackFilesError([missingKeysMessage(stack, missing)]);

    // config.go:119-157 validateStackConfigValue, for explicitly typed keys (:130 secret, :148 type).
    const problems: string[] = [];
    for (const key of declaredKeys) {
        const declared = project.config[key];
        const value = values.get(fullKey(project.name, key));
        if (declared.type === undefined || value === undefined) continue;
        if (declared.secret && !value.secure) {
            problems.push(`Stack '${stack}' with configuration key '${key}' must be encrypted as it's secret`);
            continue;
        }
        if (value.secure && !value.object) continue; // the ciphertext cannot be decrypted offline
        if (!isOfConfigType(declared.type, declared.items, value.content)) {
            problems.push(`Stack '${stack}' with configuration key '${key}' must be of type '${fullTypeName(declared.type, declared.items)}'`);
        }
    }
    if (problems.length > 0) throw new StackFilesError(problems);

    const raw: RawStackConfig = {};
    for (const [key, value] of values) raw[key] = value.text;
    const secretKeys = [...values].filter(([, v]) => v.secure).map(([k]) => k).sort();
    return { project: project.name, stack, values: raw, secretKeys };
}

/** The stacks that have a Pulumi.<stack>.yaml in `root`. */
export function listStacks(root: string): string[] {
    return readdirSync(root)
        .map((f: string) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s: string | undefined): s is string => s !== undefined)
        .sort();
}
