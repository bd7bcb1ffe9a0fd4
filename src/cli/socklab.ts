#!/usr/bin/env node
// The socklab command: see main.ts.
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
