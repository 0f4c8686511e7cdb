// Mocha's spec reporter, plus the run's stats written as JSON to $MOCHA_JSON_REPORT when it is set,
// so .ci/run can print "N passed, N failed" from the real results.
"use strict";
const fs = require("fs");
const Mocha = require("mocha");

class SpecWithStats extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const target = process.env.MOCHA_JSON_REPORT;
            if (target) fs.writeFileSync(target, JSON.stringify({ stats: runner.stats }));
        });
    }
}

module.exports = SpecWithStats;
