#!/usr/bin/env node
// In a clone, run the TypeScript sources directly (Node strips the types). Installed under
// node_modules, where Node does not strip types, run the JavaScript built by `npm run build`.
// The compile cache (Node ≥ 22.1, in the temporary directory) saves most of the start-up of a
// command on its second run; the netns backend's hosts use the same one.
import module from 'node:module';

module.enableCompileCache?.();
const installed = import.meta.url.includes('/node_modules/');
await import(installed ? '../dist/cli/socklab.js' : '../src/cli/socklab.ts');
