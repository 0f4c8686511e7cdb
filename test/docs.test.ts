import { strict as assert } from "assert";
import { readFileSync } from "fs";
import * as path from "path";
import { parse } from "yaml";
import { configReferenceMarkdown, declaredInPulumiYaml, pulumiYamlConfig, readmeMarkers } from "../infra/docs";
import { ConfigKeySpec, configSchema } from "../infra/schema";

const root = path.join(__dirname, "..");

describe("config schema, Pulumi.yaml and README", () => {
    it("Pulumi.yaml's config block is the one generated from the schema: required keys and keys with a fixed default only", () => {
        const project = parse(readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
        assert.equal(project.main, "infra/index.ts");
        assert.equal(project.runtime.name, "nodejs");
        assert.deepEqual(project.config, pulumiYamlConfig(), "run `npm run docs` to regenerate Pulumi.yaml's config block");
        for (const [key, spec] of Object.entries(configSchema) as [string, ConfigKeySpec][]) {
            const declared = project.config[key];
            if (!declaredInPulumiYaml(spec)) {
                assert.equal(declared, undefined, `${key} has no fixed default: declared without one, the CLI would require it`);
                continue;
            }
            assert.equal(declared.type, spec.type);
            assert.ok(declared.description.length > 10);
            // A declared key with neither default nor value is required by the CLI: only the schema's required keys may be.
            assert.equal(declared.default === undefined, spec.required === true, `${key}: declared without a default means required`);
            assert.equal(declared.secret, undefined, `${key}: a secret key's default would be refused as plain text`);
        }
        assert.ok(project.config.workloads && project.config.profile, "the required keys are declared");
    });

    it("README's config reference is the one generated from the schema, and lists every key", () => {
        const readme = readFileSync(path.join(root, "README.md"), "utf8");
        const begin = readme.indexOf(readmeMarkers.begin) + readmeMarkers.begin.length;
        const end = readme.indexOf(readmeMarkers.end);
        assert.ok(begin > readmeMarkers.begin.length && end > begin, "README needs the config-reference markers");
        const table = readme.slice(begin, end).trim();
        assert.equal(table, configReferenceMarkdown(), "run `npm run docs` to regenerate the README's config reference");
        for (const key of Object.keys(configSchema)) {
            assert.ok(table.includes(`| \`${key}\` |`), `README must document ${key}`);
        }
    });

    it("every committed stack file names a profile and sets only known keys", () => {
        for (const stack of ["dev", "staging", "prod"]) {
            const file = parse(readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8"));
            const keys = Object.keys(file.config).map((k) => k.replace(/^aks-workload-identity:/, ""));
            assert.ok(keys.includes("profile"), `Pulumi.${stack}.yaml must set profile`);
            for (const key of keys) assert.ok(key in configSchema, `Pulumi.${stack}.yaml sets unknown key ${key}`);
            assert.ok(!JSON.stringify(file).includes("secure:"), `Pulumi.${stack}.yaml must hold non-secret config only`);
        }
    });
});
