import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SYSTEM_DEPS, aptGetCommands, missingDeps, planInstall, type SystemDep } from '../../scripts/system-deps.mjs';

const root = join(__dirname, '..', '..');
const dep = (pkg: string) => SYSTEM_DEPS.find((d) => d.pkg === pkg) as SystemDep;
const present = (...proofs: string[]) => (proof: string) => proofs.includes(proof);

describe('which system packages are missing', () => {
  it('a package is missing when none of its proofs is there', () => {
    const missing = missingDeps([dep('chromium'), dep('curl')], present('curl'));
    expect(missing.map((d) => d.pkg)).toEqual(['chromium']);
  });

  it('ImageMagick 7 (magick) and Debian 12 ImageMagick 6 (convert-im6.q16) both count', () => {
    expect(missingDeps([dep('imagemagick')], present('magick'))).toEqual([]);
    expect(missingDeps([dep('imagemagick')], present('convert-im6.q16'))).toEqual([]);
    expect(missingDeps([dep('imagemagick')], present('convert'))).toEqual([dep('imagemagick')]);
  });

  it('lists everything the tests and the code-server install run outside Node', () => {
    expect(SYSTEM_DEPS.map((d) => d.pkg).sort()).toEqual(
      ['chromium', 'curl', 'fonts-dejavu-core', 'g++', 'git', 'imagemagick', 'libkrb5-dev', 'make', 'python3', 'ripgrep'],
    );
  });
});

describe('the apt-get line', () => {
  const none = () => undefined;

  it('installs the missing packages by name, with sudo when not root', () => {
    const plan = planInstall([dep('chromium'), dep('curl')], none);
    expect(aptGetCommands(plan, { sudo: true }).join(' && ')).toBe('sudo apt-get update && sudo apt-get install -y chromium curl');
  });

  it('has no sudo for root', () => {
    expect(aptGetCommands(planInstall([dep('g++')], none), { sudo: false })).toEqual(['apt-get update', 'apt-get install -y g++']);
  });

  it('reinstalls the owner dpkg names for a file that is gone while its package counts as installed', () => {
    const owner = (d: SystemDep) => (d.pkg === 'imagemagick' ? 'imagemagick-6.q16' : undefined);
    const plan = planInstall([dep('imagemagick'), dep('make')], owner);
    expect(plan).toEqual({ install: ['make'], reinstall: ['imagemagick-6.q16'] });
    expect(aptGetCommands(plan, { sudo: false })).toEqual(['apt-get update', 'apt-get install -y make', 'apt-get install -y --reinstall imagemagick-6.q16']);
  });

  it('names a package once when several of its proofs are missing', () => {
    const plan = planInstall([dep('python3'), dep('make'), dep('g++')], () => 'build-tools');
    expect(plan).toEqual({ install: [], reinstall: ['build-tools'] });
  });
});

describe('where the list is used', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

  it('npm test checks the system packages before anything else', () => {
    expect(pkg.scripts.pretest).toBe('node scripts/system-deps.mjs');
  });

  it('the README gives the apt-get line for all of them', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain(aptGetCommands(planInstall(SYSTEM_DEPS, () => undefined), { sudo: true }).join(' && '));
  });
});

describe('install scripts (package.json allowScripts)', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const withScripts = Object.entries(lock.packages as Record<string, { hasInstallScript?: boolean }>)
    .filter(([, p]) => p.hasInstallScript)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));

  it("skip onnxruntime-node's download of the CUDA provider: the CPU runtime is in the package", () => {
    expect(pkg.allowScripts['onnxruntime-node']).toBe(false);
  });

  it('decide for every dependency that has one, so npm neither asks nor blocks one silently', () => {
    expect(withScripts.filter((name) => !(name in pkg.allowScripts))).toEqual([]);
  });
});
