#!/usr/bin/env node
// The `parm-bench` command: runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';
register();
await import('../harness/cli.ts');
