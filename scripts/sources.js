#!/usr/bin/env node
'use strict';
// Prints one group of sources.json (space-separated for gyp's <!@(...) or ';'-separated for
// CMake with --cmake). Usage: node scripts/sources.js <group> [--cmake] [--flags]
const path = require('path');
const list = require(path.join(__dirname, '..', 'sources.json'));
const args = process.argv.slice(2);
const group = args.find((a) => !a.startsWith('--'));
const cmake = args.includes('--cmake');
const items = args.includes('--flags') ? list.flags[group] : list[group];
if (!Array.isArray(items)) {
  process.stderr.write(`sources.js: unknown group '${group}'\n`);
  process.exit(1);
}
process.stdout.write(items.join(cmake ? ';' : ' '));
