// Unit tests of the pure TypeScript (model, toasts, formatting, REST errors), set up as the
// JupyterLab extension template does: @jupyterlab/testing's jsdom environment, ts-jest, and
// babel for the ES-module packages of JupyterLab.
const jestJupyterLab = require('@jupyterlab/testing/lib/jest-config');

// @jupyterlab/testing's own list, plus JupyterLab's packages (ES modules since 4.0)
const esModules = [
  '@codemirror',
  '@jupyter/',
  '@jupyterlab/',
  '@marijn',
  '@microsoft',
  'color',
  'exenv-es6',
  'lib0',
  'marked',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

const baseConfig = jestJupyterLab(__dirname);

module.exports = {
  ...baseConfig,
  automock: false,
  collectCoverageFrom: [
    'src/**/*.{ts,tsx}',
    '!src/**/*.d.ts',
    '!src/**/__tests__/**'
  ],
  coverageReporters: ['lcov', 'text-summary'],
  reporters: ['default'],
  testRegex: 'src/.*/.*.spec.ts[x]?$',
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`]
};
