#!/usr/bin/env node
// The `qualify` command. TypeScript sources run through tsx's loader: no build step to forget.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
