import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Each file in its own process: the local stack sets the SDK's endpoint variables in process.env.
    pool: 'forks',
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
  esbuild: { jsx: 'automatic', jsxImportSource: 'hono/jsx' },
});
