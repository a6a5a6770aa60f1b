#!/usr/bin/env node
// The system packages the test suite needs, installed with apt-get when missing and running as root;
// otherwise a message with the exact install line, and exit 1.
// Each entry names a file the package provides, so the check costs a stat, not a dpkg query.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const packages = [
  { name: 'zookeeper', provides: '/usr/share/java/zookeeper.jar', for: 'master high availability tests' },
  { name: 'chromium', provides: '/usr/bin/chromium', for: 'browser tests of the web UI' },
  {
    name: 'python3-kazoo',
    provides: '/usr/lib/python3/dist-packages/kazoo/__init__.py',
    for: 'the Python example following zk://',
  },
  { name: 'openssl', provides: '/usr/bin/openssl', for: 'the TLS tests, which make a test CA' },
];

const missing = packages.filter((pkg) => !existsSync(pkg.provides));
if (missing.length === 0) process.exit(0);

const names = missing.map((pkg) => pkg.name);
const line = `apt-get install -y ${names.join(' ')}`;
for (const pkg of missing) console.error(`meso tests: ${pkg.name} is missing (needed for ${pkg.for})`);
if (process.platform !== 'linux' || process.getuid?.() !== 0) {
  console.error(`meso tests: install it as root first:\n  sudo ${line}`);
  process.exit(1);
}
console.error(`meso tests: installing: ${line}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const run = (args) =>
  spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
if (!run(['install', '-y', ...names]) && !(run(['update']) && run(['install', '-y', ...names]))) {
  console.error(`meso tests: apt-get failed; run it by hand:\n  ${line}`);
  process.exit(1);
}
const still = missing.filter((pkg) => !existsSync(pkg.provides));
if (still.length > 0) {
  console.error(`meso tests: still missing after install: ${still.map((pkg) => pkg.provides).join(', ')}`);
  process.exit(1);
}
