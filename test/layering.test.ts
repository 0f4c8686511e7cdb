import { strict as assert } from "assert";
import { ESLint } from "eslint";
import { projectDir } from "../plan/plan";

describe("layering (lint)", function () {
    this.timeout(60000);
    it("refuses an import of plan/, infra/, policy/ or test/ from components, and allows the same import elsewhere", async () => {
        const eslint = new ESLint({ cwd: projectDir });
        for (const from of ["../../plan/plan", "../../infra/config", "../../policy/rules/roles", "../../test/support/pulumi"]) {
            const code = `import * as m from "${from}";\nexport const x = m;\n`;
            const [inComponent] = await eslint.lintText(code, { filePath: `${projectDir}/components/shared/layering.ts` });
            assert.ok(inComponent.messages.some((m) => m.ruleId === "no-restricted-imports" && /components are a library/.test(m.message)), `${from}: ${JSON.stringify(inComponent.messages)}`);
            const [inPlan] = await eslint.lintText(code.replace("../../", "../"), { filePath: `${projectDir}/plan/layering.ts` });
            assert.ok(!inPlan.messages.some((m) => m.ruleId === "no-restricted-imports"), JSON.stringify(inPlan.messages));
        }
    });
});
