import { strict as assert } from "assert";
import { readFileSync } from "fs";
import * as path from "path";
import { parse } from "yaml";
import { configReferenceMarkdown, pulumiYamlConfig, readmeMarkers } from "../infra/docs";
import { configSchema } from "../infra/schema";

const root = path.join(__dirname, "..");

describe("config schema, Pulumi.yaml and README", () => {
    it("Pulumi.yaml declares every typeable key with type, description and default, as the schema says", () => {
        const project = parse(readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
        assert.equal(project.main, "infra/index.ts");
        assert.equal(project.runtime.name, "nodejs");
        assert.deepEqual(project.config, pulumiYamlConfig(), "run `npm run docs` to regenerate Pulumi.yaml's config block");
        for (const [key, spec] of Object.entries(configSchema)) {
            if (spec.type === "object") {
                assert.equal(project.config[key], undefined, `${key} is structured; Pulumi.yaml cannot type it`);
            } else {
                assert.equal(project.config[key].type, spec.type);
                assert.ok(project.config[key].description.length > 10);
            }
        }
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
