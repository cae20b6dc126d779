#!/usr/bin/env node
// The `thaw` command: the compiled CLI (npm ci builds it; `npm start` and `npm test` rebuild it when stale).
import "../dist/src/cli.js";
