// Types for scripts/system-deps.mjs (used by test/unit/systemDeps.test.ts).

export interface SystemDep {
  /** The Debian package that provides it. */
  pkg: string;
  group: 'tests' | 'code-server';
  /** Any one present proves the package: an absolute path is a file, anything else a command on the PATH. */
  proofs: string[];
  why: string;
}

export interface InstallPlan {
  install: string[];
  reinstall: string[];
}

export declare const SYSTEM_DEPS: SystemDep[];
export declare const GROUPS: SystemDep['group'][];
export declare function missingDeps(deps: SystemDep[], isPresent: (proof: string) => boolean): SystemDep[];
export declare function planInstall(missing: SystemDep[], installedOwner: (dep: SystemDep) => string | undefined): InstallPlan;
export declare function aptGetCommands(plan: InstallPlan, options: { sudo: boolean }): string[];
export declare function describeMissing(missing: SystemDep[]): string;
export declare function which(cmd: string): string | undefined;
export declare function ensureSystemDeps(groups?: string[]): void;
