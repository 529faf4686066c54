#!/usr/bin/env node
// drydock's mini npm: install (no downloads), start, stop, test, run, init and ls for the node image.
// @ts-check
'use strict';

// Debian's npm needs ~470 packages (node-gyp pulls a compiler) and real npm starts slowly on an
// emulated CPU; containers in drydock have no registry to fetch from anyway. This covers what the
// course's Dockerfile needs (`RUN npm install`, `CMD npm start`) and says clearly what it cannot do.

const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const os = require('node:os');

const VERSION = '0.1.0-drydock';
const COMMANDS = 'install (i, ci), start, stop, restart, test (t), run (run-script), init, ls';

/** @param {string} line */
function fail(line, code = 'EDRYDOCK') {
  process.stderr.write(`npm ERR! code ${code}\nnpm ERR! ${line}\n`);
  process.exit(1);
}

function readPackage() {
  const file = path.resolve('package.json');
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    fail(`Could not read package.json: ENOENT: no such file or directory, open '${file}'`, 'ENOENT');
  }
  try {
    return JSON.parse(/** @type {string} */ (text));
  } catch (error) {
    fail(`JSON.parse Failed to parse ${file}: ${/** @type {Error} */ (error).message}`, 'EJSONPARSE');
  }
}

/** @param {any} pkg @param {string} event @param {string} script @param {string[]} args */
function runScript(pkg, event, script, args) {
  const command = args.length > 0 ? `${script} ${args.map(quote).join(' ')}` : script;
  process.stdout.write(`\n> ${pkg.name ?? ''}@${pkg.version ?? ''} ${event}\n> ${command}\n\n`);
  const bin = path.resolve('node_modules/.bin');
  const env = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    npm_lifecycle_event: event,
    npm_lifecycle_script: script,
    npm_package_name: String(pkg.name ?? ''),
    npm_package_version: String(pkg.version ?? ''),
    npm_package_json: path.resolve('package.json'),
  };
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: 'inherit', env });
    // `docker stop` signals PID 1 (often this process): pass it on so the app can shut down.
    const forward = (/** @type {NodeJS.Signals} */ signal) => child.kill(signal);
    for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) process.on(signal, forward);
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
    child.on('error', () => resolve(127));
  });
}

/** @param {string} arg */
function quote(arg) {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** @param {string} event @param {string[]} args */
async function lifecycle(event, args) {
  const pkg = readPackage();
  const scripts = pkg.scripts ?? {};
  let script = scripts[event];
  // npm's own defaults: `start` runs server.js when there is one.
  if (script === undefined && event === 'start' && fs.existsSync('server.js')) script = 'node server.js';
  if (script === undefined && event === 'restart') {
    const stop = scripts.stop === undefined ? 0 : await runScript(pkg, 'stop', scripts.stop, []);
    if (stop !== 0) return stop;
    return lifecycle('start', args);
  }
  if (script === undefined) fail(`Missing script: "${event}"`, 'EMISSINGSCRIPT');
  if (scripts[`pre${event}`]) await mustPass(runScript(pkg, `pre${event}`, scripts[`pre${event}`], []));
  const status = await runScript(pkg, event, script, args);
  if (status === 0 && scripts[`post${event}`]) return runScript(pkg, `post${event}`, scripts[`post${event}`], []);
  return status;
}

/** @param {Promise<unknown>} run */
async function mustPass(run) {
  const status = await run;
  if (status !== 0) process.exit(Number(status));
}

/** @param {string[]} names */
async function install(names) {
  const started = Date.now();
  if (names.length > 0) {
    fail(
      `drydock's npm cannot download packages (${names.join(', ')}): containers here have no ` +
        'registry to fetch from. Vendor them into node_modules/ and `ADD` them with your app.',
    );
  }
  const pkg = readPackage();
  const wanted = { ...pkg.optionalDependencies, ...pkg.devDependencies, ...pkg.dependencies };
  const missing = Object.keys(wanted).filter((name) => !fs.existsSync(path.join('node_modules', name, 'package.json')));
  if (missing.length > 0) {
    fail(
      `drydock's npm cannot download packages: ${missing.join(', ')} not found in node_modules/ ` +
        '(containers here have no registry to fetch from; vendor them into node_modules/).',
    );
  }
  const scripts = pkg.scripts ?? {};
  for (const event of ['preinstall', 'install', 'postinstall', 'prepare']) {
    if (scripts[event]) await mustPass(runScript(pkg, event, scripts[event], []));
  }
  const lock = {
    name: pkg.name,
    version: pkg.version,
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: pkg.name, version: pkg.version, dependencies: pkg.dependencies } },
  };
  fs.writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
  const count = Object.keys(wanted).length;
  const what = count === 0 ? 'up to date' : `found ${count} package${count === 1 ? '' : 's'} in node_modules`;
  process.stdout.write(`\n${what} in ${Date.now() - started}ms\n`);
  return 0;
}

function init() {
  if (fs.existsSync('package.json')) fail('package.json already exists', 'EEXIST');
  const pkg = {
    name: path.basename(process.cwd()).toLowerCase().replace(/[^a-z0-9._-]/g, '-') || 'app',
    version: '1.0.0',
    description: '',
    main: 'index.js',
    scripts: { test: 'echo "Error: no test specified" && exit 1' },
    keywords: [],
    author: '',
    license: 'ISC',
  };
  const text = `${JSON.stringify(pkg, null, 2)}\n`;
  fs.writeFileSync('package.json', text);
  process.stdout.write(`Wrote to ${path.resolve('package.json')}:\n\n${text}\n`);
  return 0;
}

function list() {
  const pkg = readPackage();
  process.stdout.write(`${pkg.name ?? ''}@${pkg.version ?? ''} ${process.cwd()}\n`);
  const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
  if (names.length === 0) process.stdout.write('└── (empty)\n');
  names.forEach((name, i) => {
    const file = path.join('node_modules', name, 'package.json');
    const version = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).version : 'MISSING';
    process.stdout.write(`${i === names.length - 1 ? '└──' : '├──'} ${name}@${version}\n`);
  });
  return 0;
}

function usage() {
  process.stdout.write(
    `npm ${VERSION}: drydock's mini npm (no registry access).\n\nUsage: npm <command>\n\nCommands: ${COMMANDS}\n`,
  );
  return 0;
}

async function main() {
  const argv = process.argv.slice(2);
  const dash = argv.indexOf('--');
  const scriptArgs = dash === -1 ? [] : argv.slice(dash + 1);
  const args = (dash === -1 ? argv : argv.slice(0, dash)).filter((a) => !/^--?(loglevel|no-|production|omit|silent|quiet|yes|y$)/.test(a));
  const [command, ...rest] = args;
  switch (command) {
    case '-v':
    case '--version':
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case undefined:
    case 'help':
    case '-h':
    case '--help':
      return usage();
    case 'install':
    case 'i':
    case 'ci':
    case 'add':
      return install(rest.filter((a) => !a.startsWith('-')));
    case 'start':
    case 'stop':
    case 'restart':
    case 'test':
    case 't':
      return lifecycle(command === 't' ? 'test' : command, [...rest, ...scriptArgs]);
    case 'run':
    case 'run-script': {
      const [name, ...more] = rest;
      if (name === undefined) {
        const scripts = readPackage().scripts ?? {};
        for (const [key, value] of Object.entries(scripts)) process.stdout.write(`  ${key}\n    ${value}\n`);
        return 0;
      }
      return lifecycle(name, [...more, ...scriptArgs]);
    }
    case 'init':
      return init();
    case 'ls':
    case 'list':
      return list();
    default:
      fail(`Unknown command: "${command}". drydock's mini npm knows: ${COMMANDS}.`, 'EUNKNOWNCOMMAND');
  }
  return 1;
}

main().then((status) => process.exit(Number(status)));
