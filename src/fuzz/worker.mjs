// Entry of a fuzz worker thread: register tsx so that the TypeScript worker (worker.ts) loads, then start it.
// A worker entry written in .ts does not load under tsx (ERR_UNKNOWN_FILE_EXTENSION; docs/toolchain.md "Workers").
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
