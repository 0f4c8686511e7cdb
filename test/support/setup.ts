// Loaded by mocha (.mocharc.yml `require`) in every process that runs specs, after ts-node/register.
//
// Pulumi's SDK captures `new Error().stack` for every promise it wraps and every resource it registers
// (bookkeeping for promise-leak reports and the source positions sent to the engine, which the mock
// engine ignores), and ts-node's source-map support maps each of those stacks back to TypeScript: over a
// fifth of the suite's CPU time. Stacks the SDK captures for itself are left empty; every other stack (a
// failing assertion, an error a test or the code under test throws) is still mapped to TypeScript lines.
import * as path from "path";

type PrepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => unknown;
const errorClass = Error as { prepareStackTrace?: PrepareStackTrace };
const mapped = errorClass.prepareStackTrace;
const pulumiSdk = `${path.sep}node_modules${path.sep}@pulumi${path.sep}pulumi${path.sep}`;

if (mapped) {
    errorClass.prepareStackTrace = (error, frames) => {
        const top = frames[0]?.getFileName() ?? "";
        // `new Error()` with no message, made by the SDK: a bookkeeping capture, never shown to anyone.
        if (top.includes(pulumiSdk) && error.message === "") return `${error}`;
        return mapped(error, frames);
    };
}
