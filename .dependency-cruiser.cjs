// The engine's layers and the app's platform boundaries, checked in `npm run lint` (part of `npm test`).
// emulator/engine/README.md explains the folders; a rule here is the enforceable part of it.
const ENGINE = '^emulator/engine/';
const DAEMON = `${ENGINE}(oci|store|registry|images|overlay|units|dockerfile|compose|runtime|containers|network|builder|daemon|api)/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'engine-daemon-not-cli',
      comment: 'The daemon never imports the CLI: the CLI is a client of the Engine API (moby and docker/cli are two repositories).',
      severity: 'error',
      from: { path: DAEMON, pathNot: '\\.test\\.ts$' },
      to: { path: `${ENGINE}cli/` },
    },
    {
      name: 'engine-foundations',
      comment: 'oci/, units/ and store/ are the bottom layer: the root helpers (errors, slash-path, keyed-turns) and oci/ below store/, nothing else.',
      severity: 'error',
      from: { path: `${ENGINE}(oci|units|store)/`, pathNot: '\\.test\\.ts$' },
      to: { path: ENGINE, pathNot: `${ENGINE}(oci/|units/|store/|errors\\.ts|slash-path\\.ts|keyed-turns\\.ts)` },
    },
    {
      name: 'engine-parsers',
      comment: 'The Dockerfile parser and the Compose loader are pure: they read text and give models, they run nothing.',
      severity: 'error',
      from: { path: `${ENGINE}(dockerfile|compose)/`, pathNot: '\\.test\\.ts$' },
      to: { path: ENGINE, pathNot: `${ENGINE}(dockerfile/|compose/|units/|errors\\.ts|slash-path\\.ts)` },
    },
    {
      name: 'engine-daemon-operations-on-top',
      comment: 'daemon/ (start, monitor, signal, exec, copy, restore...) sits on containers/, runtime/ and network/: they never call up into it; only the api/ routes and engine-host.ts use it.',
      severity: 'error',
      from: { path: ENGINE, pathNot: `^${ENGINE}(daemon/|api/|engine-host\\.ts$)|\\.test\\.ts$` },
      to: { path: `${ENGINE}daemon/` },
    },
    {
      name: 'engine-daemon-not-routes',
      comment: 'The daemon is called by the routes, not the other way: it returns domain results (streams, records) and the routes make the HTTP of them (status, content type, stdcopy frames); of api/ it uses only the hijacked input (hijack.ts), the event log and the wire types (api/types/).',
      severity: 'error',
      from: { path: `${ENGINE}daemon/`, pathNot: '\\.test\\.ts$' },
      to: { path: `${ENGINE}api/`, pathNot: `${ENGINE}api/((hijack|events)\\.ts|types/)` },
    },
    {
      name: 'engine-platform-free',
      comment: 'The engine runs unchanged in a worker and in Node: no Node built-ins, no v86 side, no page code (tests may use Node).',
      severity: 'error',
      from: { path: ENGINE, pathNot: '\\.test\\.ts$' },
      to: { path: '^(node:|emulator/vm/|web/)|^(fs|path|child_process|net|os|crypto)$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'web-no-node',
      comment: 'Page code runs in a browser: Node built-ins only in tests and Node-only helpers (*-node.ts).',
      severity: 'error',
      from: { path: '^web/', pathNot: '(\\.test\\.ts|-node\\.ts|-cli\\.ts)$' },
      to: { dependencyTypes: ['core'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^|/)(node_modules|dist|public|\\.build)/' },
  },
};
