import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    env: { THAW_WASM: "debug" },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    coverage: { include: ["src/**/*.ts"] },
  },
});
