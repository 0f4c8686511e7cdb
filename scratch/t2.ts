import { planStack } from "../plan/plan";
(async () => {
  const r = await planStack({ stack: "dev" });
  const v = r.resources.find(x => x.name === "vault-vault")!;
  console.log(JSON.stringify(v.state.properties), JSON.stringify(v.inputs.properties));
  console.log(JSON.stringify(r.plan.outputs.keyVaultUri));
})();
