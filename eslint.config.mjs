// ESLint flat config: typescript-eslint's recommended rules, plus the project's import rules.
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/**", "bin/**", "**/*.js", "**/*.mjs"] },
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        rules: {
            "no-restricted-imports": ["error", {
                paths: [{
                    name: "@pulumi/azure-native",
                    message: "Import a submodule such as @pulumi/azure-native/containerservice: the package root costs tens of seconds and gigabytes in tsc.",
                }],
            }],
            "@typescript-eslint/no-non-null-assertion": "off",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
        },
    },
    {
        // Layering: components are a library; they import nothing from the program, the plan, the policy pack or tests.
        files: ["components/**/*.ts"],
        rules: {
            "no-restricted-imports": ["error", {
                paths: [{
                    name: "@pulumi/azure-native",
                    message: "Import a submodule such as @pulumi/azure-native/containerservice: the package root costs tens of seconds and gigabytes in tsc.",
                }],
                patterns: [{
                    group: ["**/infra/*", "**/infra", "**/plan/*", "**/plan", "**/policy/*", "**/policy", "**/test/*", "**/test", "**/e2e/*", "**/bootstrap/*"],
                    message: "components are a library: they import nothing from infra/, plan/, policy/, test/, e2e/ or bootstrap/ (move shared facts to components/shared).",
                }],
            }],
        },
    },
);
