#!/usr/bin/env node
// In a clone, run the TypeScript sources directly (Node strips the types). Installed under
// node_modules, where Node does not strip types, run the JavaScript built by `npm run build`.
const installed = import.meta.url.includes('/node_modules/');
await import(installed ? '../dist/cli/socklab.js' : '../src/cli/socklab.ts');
