// The npm registry reachable from our machines serves only the linux builds of platform-specific optional
// packages (e.g. @next/swc-darwin-arm64 is a 404), so `npm install` leaves them out of package-lock.json and
// `npm ci` then refuses the lock ("Missing: … from lock file"). This adds an entry for each such optional package,
// with the os/cpu of its name: npm ci skips them on linux, and the lock stays valid on every platform.
// Run after changing dependencies: node .ci/complete-lockfile.mjs
import fs from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
const packages = lock.packages;

function platformOf(name) {
  const os = ['darwin', 'linux', 'win32', 'freebsd', 'android'].find((o) => name.includes(o));
  const cpu = ['arm64', 'x64', 'ia32', 'arm', 'wasm32'].find((c) => new RegExp(`\\b${c}\\b|-${c}(-|$)`).test(name));
  const libc = name.includes('musl') ? 'musl' : name.includes('gnu') ? 'glibc' : undefined;
  return { os, cpu, libc };
}

let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = location === '' ? '' : `${location}/`;
    if (packages[`${base}node_modules/${name}`] || packages[`node_modules/${name}`]) continue;
    const { os, cpu, libc } = platformOf(name);
    if (!os || (os === 'linux' && (!libc || libc === 'glibc') && cpu === 'x64')) continue; // ours must really resolve
    packages[`node_modules/${name}`] = {
      version: version.replace(/^[\^~]/, ''),
      optional: true,
      ...(os && { os: [os] }),
      ...(cpu && { cpu: [cpu] }),
      ...(libc && { libc: [libc] }),
    };
    added += 1;
  }
}
fs.writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
console.log(`complete-lockfile: added ${added} entries`);
