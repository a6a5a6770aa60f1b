#!/usr/bin/env node
// Entry point for `npx meso`: loads the TypeScript CLI through tsx's loader, so a checkout runs without a build.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
