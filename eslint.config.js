// @ts-check
// Lint rules for the whole TypeScript tree: the type-checked promise and switch rules that catch
// real bugs (a promise nobody awaits, an async callback where a sync one is expected, a switch that
// misses a case), a line width, and for orchestrator code the determinism rules (time, randomness,
// timers, settings and I/O only through the Durable context or activities).
import tseslint from 'typescript-eslint';
import stylistic from '@stylistic/eslint-plugin';

/** Code that runs inside an orchestrator and is replayed: the orchestrators and the kit parts they call. */
export const ORCHESTRATOR_FILES = ['workflows/*/orchestrator.ts', 'workflows/kit/call.ts', 'workflows/kit/events.ts', 'workflows/kit/orchestration.ts', 'workflows/kit/status.ts', 'workflows/kit/failure.ts'];

const REPLAY = 'orchestrators are replayed and must decide the same way each time';

/** The determinism rules for orchestrator code (exported for the test that proves each one fires). */
export const orchestratorRules = /** @type {const} */ ({
  'no-restricted-syntax': [
    'error',
    { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: `Date.now(): use context.df.currentUtcDateTime (${REPLAY}).` },
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: `new Date() without an instant: use context.df.currentUtcDateTime (${REPLAY}).` },
    { selector: "MemberExpression[object.name='Math'][property.name='random']", message: `Math.random: use context.df.newGuid() (${REPLAY}).` },
    { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'process.env: settings are read in shared/config and reach the flow through activities.' },
    { selector: 'AwaitExpression', message: 'await in an orchestrator: yield tasks instead.' },
  ],
  'no-restricted-globals': [
    'error',
    ...['setTimeout', 'setInterval', 'setImmediate'].map((name) => ({ name, message: `${name}: use context.df.createTimer (${REPLAY}).` })),
    { name: 'fetch', message: 'fetch: I/O belongs in activities.' },
  ],
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        {
          regex: '^(node:)?(fs|fs/promises|http|https|net|dgram|dns|child_process|worker_threads|timers|timers/promises)$',
          message: 'I/O belongs in activities.',
        },
        { regex: '^@azure/(cosmos|storage-blob|keyvault-keys|communication-email|identity)$', message: 'Azure SDKs belong in activities (through shared/).' },
        { regex: '(^|/)composition\\.js$', message: 'The services (adapters) belong in activities.' },
      ],
    },
  ],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '**/*.js', '**/*.mjs', '**/*.cjs', 'test/infra/fixtures/**', 'test/host/fixtures/**', 'test/workflows/fixtures/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { '@typescript-eslint': tseslint.plugin, '@stylistic': stylistic },
    rules: {
      // node:test's test() and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/await-thenable': 'error',
      '@stylistic/max-len': ['error', { code: 160, tabWidth: 2, ignoreUrls: true, ignoreRegExpLiterals: true, ignoreStrings: true, ignoreTemplateLiterals: true }],
    },
  },
  { files: ORCHESTRATOR_FILES, rules: orchestratorRules },
);
