// Starts the example executor, written in TypeScript, through tsx's loader (as bin/meso.js starts
// the CLI), so the agent can run it with plain `node` from any sandbox.
import { register } from 'tsx/esm/api';

register();
await import('./executor.ts');
