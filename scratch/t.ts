import { evaluate } from "/work/wt/rules/plan/engine";
import { loadConfig } from "/work/wt/rules/plan/stackConfig";
(async () => {
  for (const values of ["unknown", "rehearsal", "unknown", "rehearsal"] as const) {
    const loaded = loadConfig({ dir: "/work/wt/rules", stack: "dev" });
    const t = Date.now();
    const e = await evaluate({ project: loaded.project, stack: "dev", config: loaded.values, values, program: async () => (await import("/work/wt/rules/infra/main")).main() });
    console.log(values, Date.now() - t, e.error?.message, e.resources.length);
    const ra = e.resources.filter(r => r.type.endsWith("RoleAssignment"))[0];
    console.log(JSON.stringify(ra.inputs), JSON.stringify(ra.propertyDependencies));
  }
})();
