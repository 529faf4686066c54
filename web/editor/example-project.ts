// The course's example project: a small Node web app and the classic Dockerfile that builds it.

export const EXAMPLE_PROJECT: Readonly<Record<string, string>> = {
  Dockerfile: `FROM node
WORKDIR /app
ADD . /app
RUN npm install
EXPOSE 3000
CMD npm start
`,
  // No dependencies: \`npm install\` must succeed in a guest with no route to a package registry.
  'package.json': `{
  "name": "hello-drydock",
  "version": "1.0.0",
  "description": "A tiny web app to put in a container",
  "main": "index.js",
  "scripts": {
    "start": "node index.js"
  },
  "license": "MIT"
}
`,
  'index.js': `const http = require('http');

const port = process.env.PORT || 3000;

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end('Hello from a container!\\n');
});

server.listen(port, () => {
  console.log(\`Listening on port \${port}\`);
});
`,
  '.dockerignore': `node_modules
npm-debug.log
`,
};
