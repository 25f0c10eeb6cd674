// @ts-check
/**
 * The CLI as compiled JavaScript: one esbuild bundle per entry, so a start loads plain JavaScript
 * instead of transpiling TypeScript (node-types: 2.3 s of CPU down to about 0.27 s). `npm install`
 * builds it (the root package's prepare script runs this file); the bin rebuilds it when a source file
 * is newer than the build, so an edit is never silently ignored.
 *
 * Layout: `<build dir>/current.json` names the current build, `<build dir>/<build>/<entry>.js` holds it.
 * Each build writes its own directory and then replaces current.json by a rename, so CLIs starting
 * together (the tests spawn many) never read half a build.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const serverDir = fileURLToPath(new URL('..', import.meta.url));

/**
 * Source entries (paths under server/), each compiled to `<build>/<its file name>.js`: names must differ.
 * The worker threads' entry runs from the bundle too (engine/parallel/piece-pool.ts finds it).
 */
export const entries = ['src/cli.ts', 'src/engine/parallel/piece-worker.ts'];

/**
 * Where the bundles' sources live: the server's, and those of the workspace packages it bundles,
 * where npm linked them (a realpath costs a start far less than resolving the packages).
 */
export const sourceDirs = [
  path.join(serverDir, 'src'),
  ...['flow-model', 'transforms'].map((name) =>
    path.join(fs.realpathSync(path.join(serverDir, '../node_modules/@backflow', name)), 'src'),
  ),
];

/**
 * The build directory: `BACKFLOW_BUILD_DIR` when set (tests), else server/dist (gitignored). It must be
 * inside the checkout: the bundle imports the packages it leaves out from node_modules, found from there.
 */
export const defaultBuildDir = () => process.env.BACKFLOW_BUILD_DIR ?? path.join(serverDir, 'dist');

/** A superseded build is removed once this old: a CLI that started from it has long loaded it. */
const keepSupersededMs = 10 * 60_000;

/**
 * @typedef {{ build: string, sourcesBefore: number, serverDir: string }} Stamp
 * The current build's directory name; the time it started (every source older than that is in it);
 * the server directory it was built from (a bundle names its sources by absolute path, so a moved
 * checkout rebuilds).
 */

/**
 * The newest modification time among the files (and directories, for deletions) under `dirs`;
 * tests beside the code are in no bundle and do not count. About 8 ms of CPU for the 450 source
 * files (readdir's `recursive` option takes 30).
 * @param {string[]} dirs
 */
export function newestSourceTime(dirs) {
  let newest = 0;
  const walk = (/** @type {string} */ dir) => {
    newest = Math.max(newest, fs.statSync(dir).mtimeMs);
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(file);
      else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, fs.statSync(file).mtimeMs);
    }
  };
  for (const dir of dirs) walk(dir);
  return newest;
}

/**
 * The current build when no source under `dirs` (nor this file, which says how to build) is newer
 * than it, else undefined.
 * @param {string} buildDir
 * @param {string[]} [dirs]
 * @returns {string | undefined} the build's directory
 */
export function upToDateBuild(buildDir, dirs = sourceDirs) {
  /** @type {Stamp} */
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(buildDir, 'current.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (stamp.serverDir !== serverDir) return undefined;
  const newest = Math.max(newestSourceTime(dirs), fs.statSync(fileURLToPath(import.meta.url)).mtimeMs);
  if (newest > stamp.sourcesBefore) return undefined;
  const build = path.join(buildDir, stamp.build);
  return fs.existsSync(build) ? build : undefined;
}

/**
 * Builds every entry into a new directory under `buildDir` and makes it the current build.
 * @param {string} [buildDir]
 * @returns {Promise<string>} the new build's directory
 */
export async function build(buildDir = defaultBuildDir()) {
  const { build: bundle } = await import('esbuild');
  const sourcesBefore = Date.now();
  const name = `build-${sourcesBefore}-${process.pid}`;
  const outdir = path.join(buildDir, name);
  /** @type {import('esbuild').BuildOptions} */
  const common = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
    // Bundled CommonJS packages require Node's modules: give them a require in the ESM bundle.
    banner: {
      js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
    },
  };

  // Our schemas' validators, compiled ahead by running flow/precompile.ts once, while esbuild bundles.
  const validators = path.join(outdir, 'validators.cjs');
  const compileValidators = async () => {
    const generator = path.join(outdir, 'precompile.mjs');
    await bundle({
      ...common,
      entryPoints: [path.join(serverDir, 'src/flow/precompile.ts')],
      outfile: generator,
      plugins: [externalPackages, sourceLocation],
    });
    /** @type {typeof import('../src/flow/precompile.ts')} */
    const precompile = await import(pathToFileURL(generator).href);
    fs.writeFileSync(validators, precompile.validatorsCode());
    fs.rmSync(generator);
  };
  const results = await Promise.allSettled([
    compileValidators(),
    bundle({
      ...common,
      entryPoints: entries.map((entry) => path.join(serverDir, entry)),
      outdir,
      entryNames: '[name]',
      // Modules a command imports when it runs (`serve`'s HTTP server) load only then, in a chunk of their own.
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
      sourcemap: 'linked',
      sourcesContent: false,
      // Code that starts worker threads finds their entry in the same build.
      define: { 'process.env.BACKFLOW_BUNDLE_DIR': JSON.stringify(outdir) },
      minifyWhitespace: true,
      minifySyntax: true,
      // The replacement first: sourceLocation also loads .ts files.
      plugins: [replacing('flow/precompiled.ts', precompiledModule(validators)), externalPackages, sourceLocation],
    }),
  ]);
  // A build that fails (a source that does not compile) leaves nothing behind.
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) {
    fs.rmSync(outdir, { recursive: true, force: true });
    throw failure.reason;
  }
  const current = path.join(buildDir, 'current.json');
  const pending = `${current}.${process.pid}`;
  fs.writeFileSync(pending, JSON.stringify(/** @type {Stamp} */ ({ build: name, sourcesBefore, serverDir })));
  fs.renameSync(pending, current);
  removeSuperseded(buildDir, name);
  return outdir;
}

/**
 * flow/precompiled.ts as the bundle has it: loads `validatorsFile` (flow/precompile.ts's
 * `validatorsCode`) at the first validation and finds a validator by schema object, so only the very
 * schemas compiled ahead match.
 * @param {string} validatorsFile
 */
function precompiledModule(validatorsFile) {
  const file = JSON.stringify(validatorsFile);
  return `import { createRequire as requireFrom } from 'node:module';
import { schemasCompiledAhead } from './precompile.ts';
let validators;
export function precompiledValidator(schema) {
  if (!validators) {
    const compiled = requireFrom(${file})(${file});
    validators = new Map(schemasCompiledAhead().map((ours, index) => [ours, compiled[\`v\${index}\`]]));
  }
  return validators.get(schema);
}
`;
}

/**
 * A plugin giving the source file `file` (a path under server/src) the contents `contents` in the bundle.
 * @param {string} file
 * @param {string} contents
 * @returns {import('esbuild').Plugin}
 */
function replacing(file, contents) {
  const source = path.join(serverDir, 'src', file);
  return {
    name: 'replacing',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) =>
        args.path === source ? { contents, loader: 'js', resolveDir: path.dirname(source) } : undefined,
      );
    },
  };
}

/**
 * Pure-JavaScript packages every start loads, bundled with their own dependencies: one file parses
 * faster than the hundreds of small modules they are made of (measured on node-types: typebox alone
 * saves about 0.13 s of CPU).
 */
export const bundledPackages = [
  '@sinclair/typebox',
  'ajv',
  'ajv-formats',
  'commander',
  'croner',
  'papaparse',
  'picomatch',
  'p-queue',
  'p-retry',
];

/**
 * The workspace packages (@backflow/*) export TypeScript sources, so they are bundled, as are
 * `bundledPackages`; every other package loads from node_modules at run time, most only when a node
 * that needs it runs (e.g. `await import('pg')` where a connection opens).
 * @type {import('esbuild').Plugin}
 */
const externalPackages = {
  name: 'external-packages',
  setup(build) {
    const bundled = (/** @type {string} */ specifier, /** @type {string} */ importer) =>
      specifier.startsWith('@backflow/') ||
      // Imported by a bundled package.
      (importer.includes(`${path.sep}node_modules${path.sep}`) &&
        !sourceDirs.some((dir) => importer.startsWith(dir))) ||
      bundledPackages.some((name) => specifier === name || specifier.startsWith(`${name}/`));
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      bundled(args.path, args.importer) ? undefined : { path: args.path, external: true },
    );
  },
};

/**
 * `import.meta.url` keeps naming the module's source file, so paths resolved from it (the examples,
 * web/dist, package.json) are the same from sources and from a bundle wherever the build dir is.
 * @type {import('esbuild').Plugin}
 */
const sourceLocation = {
  name: 'source-location',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const source = fs.readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

/**
 * Removes builds other than `current` old enough that no CLI still starting could be about to load them.
 * @param {string} buildDir
 * @param {string} current
 */
function removeSuperseded(buildDir, current) {
  for (const entry of fs.readdirSync(buildDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith('build-') || entry.name === current) continue;
    const dir = path.join(buildDir, entry.name);
    try {
      if (Date.now() - fs.statSync(dir).mtimeMs > keepSupersededMs) fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // Another CLI removed it first.
    }
  }
}

/**
 * The compiled file for a source entry (a path under server/, one of `entries`): up to date, built
 * now when a source is newer. Undefined when it cannot be built (the build dir is not writable, or a
 * source does not compile): the caller runs the sources through tsx, which reports any error in them.
 * @param {string} entry
 * @param {string} [buildDir]
 * @returns {Promise<string | undefined>}
 */
export async function compiledEntry(entry, buildDir = defaultBuildDir()) {
  const file = `${path.basename(entry, '.ts')}.js`;
  const current = upToDateBuild(buildDir);
  if (current) return path.join(current, file);
  try {
    fs.mkdirSync(buildDir, { recursive: true });
    return path.join(await build(buildDir), file);
  } catch {
    return undefined;
  }
}

// `node server/bin/build.js` (the prepare script): build now. A failure does not fail `npm install`:
// the bin tries again at start, and runs the sources through tsx meanwhile.
if (process.argv[1] && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href) {
  const buildDir = defaultBuildDir();
  try {
    fs.mkdirSync(buildDir, { recursive: true });
    console.log(`backflow: built ${path.relative(process.cwd(), await build(buildDir))}`);
  } catch (error) {
    console.warn(
      `backflow: no compiled build (${error instanceof Error ? error.message : error}); the CLI runs from sources`,
    );
  }
}
