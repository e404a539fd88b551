// The deployment package is what runs in Azure: built here exactly as `npm run package` builds it
// for azd, then opened and checked: the bundled product code and nothing of test/, dev/ or bench/,
// every production dependency and no development one, native code only for Linux x64, the app
// loading from the package alone and registering what the tsc output registers, and a size that leaves room under the platform's limits.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, closeSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackage, PACKAGE_DIR, PACKAGE_FILES, TARGET_PLATFORM } from '../../dev/packaging/package-app.js';
import { isIgnored, parseIgnoreRules } from '../../dev/packaging/ignore-rules.js';
import { APP_CHUNK, MANIFEST_FILE } from '../../dev/packaging/lazy-entry-files.js';
import { LocalSystem } from '../support/local-system.js';
import { createUser, provisionTenant } from '../support/builders.js';

interface PackageJson {
  main: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as PackageJson;

/** Every file under a folder, as paths relative to it with forward slashes. */
function walk(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(root, path) : [relative(root, path).split('\\').join('/')];
  });
}

/** The ELF machine of a native addon: 0x3e is x86-64; anything else (or not ELF: Mach-O, PE) cannot load on Flex Consumption. */
function elfMachine(path: string): number | undefined {
  const header = Buffer.alloc(20);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, 20, 0);
  } finally {
    closeSync(fd);
  }
  return header.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])) ? header.readUInt16LE(18) : undefined;
}

/** Very small reader for the azure.yaml shape we write: the `api` service's scalar keys and hook lines. */
function apiService(): { scalars: Record<string, string>; text: string } {
  const yaml = readFileSync('azure.yaml', 'utf8');
  const services = /^services:\n((?:[ \t]+.*\n|\s*\n)*)/m.exec(yaml)?.[1] ?? '';
  const scalars: Record<string, string> = {};
  for (const m of services.matchAll(/^ {4}(\w+): (.+)$/gm)) scalars[m[1]!] = m[2]!.trim();
  return { scalars, text: services };
}

describe('the deployment package', () => {
  let out: string;
  let files: string[];
  let bytes: number;

  before(async () => {
    out = join(mkdtempSync(join(tmpdir(), 'privacy-ops-package-')), 'api');
    ({ bytes } = await buildPackage(out));
    files = walk(out);
  });
  after(() => {
    if (out) rmSync(join(out, '..'), { recursive: true, force: true });
  });

  test('holds the compiled product code, host.json, package.json and production dependencies, and nothing else', () => {
    const top = readdirSync(out).sort();
    assert.deepEqual(top, ['dist', 'node_modules', ...PACKAGE_FILES].sort());
    // The product code is one esbuild bundle (dev/packaging/bundle-app.ts): its entry, the manifest of
    // registrations it replays, the app chunk a first invocation loads and the chunks loaded on first use.
    assert.deepEqual(readdirSync(join(out, 'dist')).sort(), ['console', 'functions'], 'no test/, dev/ or bench/ code');
    assert.deepEqual(readdirSync(join(out, 'dist', 'console')), ['prod'], "the console's production bundle only (no development sign-in)");
    const bundled = new RegExp(`^dist/(functions/(index\\.js|${APP_CHUNK.replace('.', '\\.')}|${MANIFEST_FILE.replace('.', '\\.')}|chunks/[\\w.-]+\\.js)|console/prod/[\\w.-]+)$`);
    assert.deepEqual(files.filter((f) => f.startsWith('dist/') && !bundled.test(f)), [], 'the bundle and its chunks, and the console, only');
    assert.ok(existsSync(join(out, pkg.main)), `package.json main (${pkg.main}) is in the package`);
    for (const file of ['host.json', 'package.json'])
      assert.equal(readFileSync(join(out, file), 'utf8'), readFileSync(file, 'utf8'), `${file} is the project's`);
    assert.deepEqual(
      files.filter((f) => /(^|\/)(local\.settings\.json|\.local|\.git|infra|\.azure)(\/|$)/.test(f)),
      [],
      'no local settings, state, git or infra files',
    );
    assert.deepEqual(
      files.filter((f) => f.startsWith('dist/functions/') && !f.endsWith('.js')),
      [`dist/functions/${MANIFEST_FILE}`],
      'only compiled JavaScript and the manifest under dist/functions/',
    );
  });

  test('has every production dependency and no development dependency', () => {
    for (const name of Object.keys(pkg.dependencies)) assert.ok(existsSync(join(out, 'node_modules', name, 'package.json')), `${name} is installed`);
    // A development dependency that a production one also needs (@azure/msal-browser: the console's
    // sign-in, and @azure/identity's) is deployed for the latter; the lockfile marks the dev-only ones.
    const locked = (JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { dev?: boolean }> }).packages;
    for (const name of Object.keys(pkg.devDependencies)) {
      if (locked[`node_modules/${name}`]?.dev !== true) continue;
      assert.ok(!existsSync(join(out, 'node_modules', name)), `${name} is a development dependency and must not be deployed`);
    }
  });

  test(`native code, if any, is built for ${TARGET_PLATFORM.os}-${TARGET_PLATFORM.cpu} only`, () => {
    const addons = files.filter((f) => f.endsWith('.node'));
    for (const addon of addons) assert.equal(elfMachine(join(out, addon)), 0x3e, `${addon} is not a Linux x86-64 binary`);
    assert.deepEqual(files.filter((f) => /(darwin|win32|android|freebsd|arm64|musl)[^/]*\/[^/]+\.node$/.test(f)), [], 'no native package for another platform');
  });

  test('.funcignore rules are applied: no source maps or type declarations are shipped', () => {
    const rules = parseIgnoreRules(readFileSync('.funcignore', 'utf8'));
    assert.deepEqual(files.filter((f) => f !== '.funcignore' && isIgnored(rules, f, false)), []);
    assert.ok(!files.some((f) => f.endsWith('.map') || f.endsWith('.d.ts')), 'no .map or .d.ts');
  });

  test('the app loads from the package alone: every import resolves inside it', () => {
    // The app validates its settings as it loads, as in Azure; the example settings are a valid set.
    const settings = (JSON.parse(readFileSync('local.settings.example.json', 'utf8')) as { Values: Record<string, string> }).Values;
    // The process stays until the entry's background load of the app chunk is done: that must load too.
    const loaded = spawnSync(process.execPath, ['--input-type=module', '-e', `await import('./${pkg.main}'); console.log('loaded')`], {
      cwd: out,
      env: { PATH: process.env['PATH'] ?? '', ...settings },
      encoding: 'utf8',
    });
    assert.equal(loaded.status, 0, loaded.stderr);
    assert.match(loaded.stdout, /loaded/);
    assert.doesNotMatch(loaded.stderr, /failed to load/, 'the app chunk loaded in the background');
  });

  test('registers exactly what the tsc output registers: every function, binding, route, method, auth level and hook', () => {
    // The Functions host indexes what the app registers as it loads; the rest of the suite runs the
    // tsc output, so the production bundle (with its stand-ins and chunks) must register the same.
    const settings = (JSON.parse(readFileSync('local.settings.example.json', 'utf8')) as { Values: Record<string, string> }).Values;
    const printer = fileURLToPath(new URL('./print-registrations.js', import.meta.url));
    const registrations = (cwd: string, entry: string) =>
      JSON.parse(
        execFileSync(process.execPath, [printer, entry], {
          cwd,
          env: { PATH: process.env['PATH'] ?? '', ...settings },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
          maxBuffer: 16 * 1024 * 1024,
        }),
      ) as { functions: { name: string }[]; hooks: Record<string, number> };
    const bundled = registrations(out, pkg.main);
    assert.ok(bundled.functions.length > 100, `${bundled.functions.length} functions registered`);
    assert.deepEqual(bundled, registrations(process.cwd(), pkg.main));
  });

  test('start-up leaves to chunks what it does not use: pdfkit, axios, all of validator but isURL, zod locales but English', () => {
    // What a cold start compiles: the entry, and the app chunk the first invocation loads.
    const entry = [pkg.main, join(dirname(pkg.main), APP_CHUNK)].map((f) => readFileSync(join(out, f), 'utf8')).join('\n');
    const chunks = files.filter((f) => f.startsWith('dist/functions/chunks/')).map((f) => readFileSync(join(out, f), 'utf8'));
    // A text each library holds (checked against its own source), absent from the entry module.
    const markers = [
      { name: 'pdfkit', text: 'Helvetica-BoldOblique', source: 'node_modules/pdfkit/js/pdfkit.js', inChunk: true },
      { name: 'axios', text: 'AxiosError', source: 'node_modules/axios/dist/node/axios.cjs', inChunk: true },
      { name: 'validator', text: 'isStrongPassword', source: 'node_modules/validator/index.js', inChunk: false },
      { name: "zod's German locale", text: 'Kreditkartennummer', source: 'node_modules/zod/v4/locales/de.js', inChunk: false },
    ];
    for (const { name, text, source, inChunk } of markers) {
      assert.ok(readFileSync(source, 'utf8').includes(text), `${source} holds "${text}"`);
      assert.ok(!entry.includes(text), `${name} is not in the entry module`);
      assert.equal(
        chunks.some((chunk) => chunk.includes(text)),
        inChunk,
        `${name} ${inChunk ? 'is in a chunk loaded on first use' : 'is not bundled at all'}`,
      );
    }
  });

  test('start-up runs the registrations alone: the app chunk, its handlers and schemas, loads on the first invocation', () => {
    // A module's static graph: it and the chunks it imports statically (not those it imports on first use).
    const graphOf = (start: string): Set<string> => {
      const graph = new Set<string>();
      const visit = (file: string): void => {
        if (graph.has(file)) return;
        graph.add(file);
        for (const m of readFileSync(join(out, file), 'utf8').matchAll(/(?:^|[;}\s])import\s*(?:[\w{},\s*$]+from\s*)?"(\.{1,2}\/[^"]+)"/g))
          visit(join(dirname(file), m[1]!).split('\\').join('/'));
      };
      visit(start);
      return graph;
    };
    const textOf = (graph: Set<string>): string => [...graph].map((f) => readFileSync(join(out, f), 'utf8')).join('\n');
    const appChunk = join(dirname(pkg.main), APP_CHUNK).split('\\').join('/');
    const startUp = graphOf(pkg.main);
    assert.ok(!startUp.has(appChunk), `${APP_CHUNK} is not imported at start-up`);
    const [startUpText, appText] = [textOf(startUp), textOf(graphOf(appChunk))];
    // Texts of handler modules and route schemas (checked against their source): in the app chunk's graph, not in start-up's.
    for (const [source, text] of [
      ['functions/dsars.ts', 'Open data-subject requests, soonest due first'],
      ['shared/breaches/breach-service.ts', 'releaseNotices'],
      ['workflows/termination/orchestrator.ts', 'tenantTermination'],
    ] as const) {
      assert.ok(readFileSync(source, 'utf8').includes(text), `${source} holds "${text}"`);
      assert.ok(appText.includes(text), `${source} is in the app chunk's graph`);
      assert.ok(!startUpText.includes(text), `${source} is not loaded at start-up`);
    }
    const manifest = JSON.parse(readFileSync(join(out, dirname(pkg.main), MANIFEST_FILE), 'utf8')) as { kind: string; name?: string }[];
    assert.ok(manifest.filter((r) => r.kind === 'function').length > 100, 'the manifest lists every function');
  });

  test('an app chunk that registers other functions than the manifest fails its invocations with a message, not silently', () => {
    const settings = (JSON.parse(readFileSync('local.settings.example.json', 'utf8')) as { Values: Record<string, string> }).Values;
    const manifestPath = join(out, dirname(pkg.main), MANIFEST_FILE);
    const original = readFileSync(manifestPath, 'utf8');
    const manifest = JSON.parse(original) as { kind: string; name?: string; options?: { route?: string } }[];
    const health = manifest.find((r) => r.name === 'health')!;
    health.options = { ...health.options, route: 'healthz' };
    const coreApi = new URL('../../dev/host/worker/core-api.js', import.meta.url).href;
    try {
      writeFileSync(manifestPath, JSON.stringify(manifest));
      const result = spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const { CoreApi, installCoreApi } = await import('${coreApi}'); const api = new CoreApi(() => undefined); installCoreApi(api);
           await import('./${pkg.main}');
           console.log('registered route', Object.values(api.functions.get('health').metadata.bindings).find((b) => b.type === 'httpTrigger').route);
           await api.functions.get('health').callback().then(() => console.log('answered'), (e) => console.log('failed:', e.message));`,
        ],
        { cwd: out, env: { PATH: process.env['PATH'] ?? '', ...settings }, encoding: 'utf8' },
      );
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /registered route healthz/, 'start-up registers what the manifest lists');
      assert.match(result.stdout, new RegExp(`failed: ${APP_CHUNK} registers other functions than ${MANIFEST_FILE} lists`));
      assert.match(result.stderr, new RegExp(`The app chunk \\(${APP_CHUNK.replace('.', '\\.')}\\) failed to load`), 'and the start-up log says so');
    } finally {
      writeFileSync(manifestPath, original);
    }
  });

  describe('the package under the local host', () => {
    let system: LocalSystem;
    before(async () => {
      system = await LocalSystem.start({ withPlatform: true, appModules: [join(out, pkg.main)] });
    });
    after(async () => {
      await system?.stop();
    });

    test('HTTP routes, orchestrations, activities and email run from the lazily loaded app chunk', async () => {
      assert.equal((await system.get('/api/health')).status, 200);
      const tenant = await provisionTenant(system);
      const ada = await createUser(system, tenant, { name: 'Ada Package', email: 'ada.package@customer.test' });
      assert.equal((await system.get(`/api/tenants/${tenant.tenantId}/users/${ada.userId}`, tenant.adminToken)).status, 200);
      const started = await system.post<{ exportId: string }>(`/api/tenants/${tenant.tenantId}/exports`, { kind: 'users', format: 'csv' }, tenant.adminToken);
      assert.equal(started.status, 202, JSON.stringify(started.body));
      await system.settle();
      const done = await system.get<{ status: string; rows: number }>(`/api/tenants/${tenant.tenantId}/exports/${started.body.exportId}`, tenant.adminToken);
      assert.deepEqual({ status: done.body.status, rows: done.body.rows }, { status: 'ready', rows: 1 });
      assert.ok((await system.outbox()).some((m) => m.subject.startsWith('An export of')), 'the export email went out');
      const verified = await system.get<{ valid: boolean }>(`/api/tenants/${tenant.tenantId}/audit/verify`, tenant.adminToken);
      assert.equal(verified.body.valid, true);
    });
  });

  test('its size stays well under the deployment limits (under 200 MB unpacked)', () => {
    const total = files.reduce((sum, f) => sum + statSync(join(out, f)).size, 0);
    assert.equal(total, bytes, 'the size the build reports is the size of the files');
    assert.ok(total < 200 * 1024 * 1024, `the package is ${(total / 1024 / 1024).toFixed(1)} MB`);
    assert.ok(total > 5 * 1024 * 1024, 'the dependencies are in it');
  });
});

describe('azd packaging configuration', () => {
  test('remote build is off and stated; azd deploys the folder npm run package builds, and runs it first', () => {
    const { scalars, text } = apiService();
    assert.equal(scalars['host'], 'function');
    assert.equal(scalars['language'], 'ts');
    assert.equal(scalars['project'], '.', 'package.json at the repository root');
    assert.equal(scalars['remoteBuild'], 'false', 'remoteBuild: false, explicitly');
    assert.equal(scalars['dist'], PACKAGE_DIR, 'azd zips the folder the packaging script writes');
    assert.match(text, /^ {4}hooks:\n {6}prepackage:\n/m, 'a prepackage hook builds the package before azd zips it');
    assert.equal((text.match(/run: npm run package$/gm) ?? []).length, 2, 'on POSIX and Windows alike');
    assert.match(pkg.scripts['package'] ?? '', /node dist\/dev\/packaging\/package-app\.js$/, 'npm run package runs the packaging script');
    assert.match(readFileSync('.gitignore', 'utf8'), /^\.deploy\/$/m, 'the built package is not committed');
  });

  test('.funcignore agrees with remote build off, and the build tsconfig leaves out test/, dev/ and bench/', () => {
    const rules = parseIgnoreRules(readFileSync('.funcignore', 'utf8'));
    // azd: "'remoteBuild: false' cannot be used when .funcignore excludes node_modules".
    assert.ok(!isIgnored(rules, 'node_modules', true), '.funcignore must not exclude node_modules when remote build is off');
    assert.ok(!isIgnored(rules, 'dist/functions/index.js', false), 'the compiled code is not excluded');
    assert.ok(isIgnored(rules, 'local.settings.json', false), 'local settings are never deployed');
    const build = JSON.parse(readFileSync('tsconfig.build.json', 'utf8')) as { extends: string; include: string[] };
    assert.equal(build.extends, './tsconfig.json', 'the same compiler settings as the tested build');
    assert.deepEqual([...build.include].sort(), ['functions', 'shared', 'workflows']);
  });

  test('the .funcignore reader refuses what it cannot read', () => {
    for (const pattern of ['!keep.js', 'a/**/b', 'a/b', '[abc].js']) assert.throws(() => parseIgnoreRules(pattern), /\.funcignore/, pattern);
    const rules = parseIgnoreRules('# comment\n/only-top/\n*.map\nname\n');
    assert.ok(isIgnored(rules, 'only-top/x.js', false));
    assert.ok(!isIgnored(rules, 'deeper/only-top/x.js', false), 'anchored at the root');
    assert.ok(isIgnored(rules, 'a/b/c.js.map', false));
    assert.ok(isIgnored(rules, 'a/name/c.js', false), 'a folder name excludes what is under it');
    assert.ok(!isIgnored(rules, 'a/names.js', false));
  });
});
