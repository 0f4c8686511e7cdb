import { CloudName } from "./clouds";

/**
 * Azure region names (`az account list-locations --query "[?metadata.regionType=='Physical'].name"`), per
 * cloud. ARM also accepts display names ("West Europe") but returns the short name, so a display name would
 * show a diff on every refresh: only the short names are accepted.
 */
export const regionsByCloud: Readonly<Record<CloudName, readonly string[]>> = {
    AzureCloud: [
        "australiacentral", "australiacentral2", "australiaeast", "australiasoutheast", "austriaeast", "belgiumcentral",
        "brazilsouth", "brazilsoutheast", "canadacentral", "canadaeast", "centralindia", "centralus", "centraluseuap",
        "chilecentral", "eastasia", "eastus", "eastus2", "eastus2euap", "francecentral", "francesouth", "germanynorth",
        "germanywestcentral", "indonesiacentral", "israelcentral", "italynorth", "japaneast", "japanwest", "jioindiacentral",
        "jioindiawest", "koreacentral", "koreasouth", "malaysiawest", "mexicocentral", "newzealandnorth", "northcentralus",
        "northeurope", "norwayeast", "norwaywest", "polandcentral", "qatarcentral", "southafricanorth", "southafricawest",
        "southcentralus", "southeastasia", "southindia", "spaincentral", "swedencentral", "swedensouth", "switzerlandnorth",
        "switzerlandwest", "uaecentral", "uaenorth", "uksouth", "ukwest", "westcentralus", "westeurope", "westindia",
        "westus", "westus2", "westus3",
    ],
    AzureUSGovernment: ["usdodcentral", "usdodeast", "usgovarizona", "usgoviowa", "usgovtexas", "usgovvirginia"],
    AzureChinaCloud: ["chinaeast", "chinaeast2", "chinaeast3", "chinanorth", "chinanorth2", "chinanorth3"],
};

/** The problem with `value` as a region of `cloud`, if any. */
export function regionProblem(value: unknown, cloud: CloudName): string | undefined {
    const regions = regionsByCloud[cloud];
    if (typeof value === "string" && regions.includes(value)) return undefined;
    if (typeof value === "string") {
        const short = value.toLowerCase().replace(/[\s_-]+/g, "");
        if (regions.includes(short)) return `${JSON.stringify(value)} is a display name: use the region's name, "${short}" (ARM returns it, so anything else shows a diff on every refresh)`;
        const other = (Object.keys(regionsByCloud) as CloudName[]).find((c) => regionsByCloud[c].includes(short));
        if (other) return `${JSON.stringify(value)} is a region of ${other}, not of ${cloud}: set the cloud, or pick one of ${regions.join(", ")}`;
    }
    return `${JSON.stringify(value)} is not an Azure region of ${cloud}: use one of ${regions.join(", ")}`;
}
