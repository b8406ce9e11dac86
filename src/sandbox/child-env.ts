/**
 * The environment of every child process bunseal starts, built here from
 * named parts, never passed through whole. The environment bunseal runs in
 * may be hostile (a CI step that exports GIT_DIR, a shell with LD_PRELOAD or
 * BUN_OPTIONS set, a variable from a project file someone sourced): what a
 * child sees is what this module lets through, and nothing else.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The system's own folders come first on every child's PATH: a PATH that puts
 * a folder of the work tree (or any other) in front would let a fake `git`
 * report a decoy commit, or a fake `bwrap` pretend to sandbox.
 */
export const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function trustedPath(host: Env): string {
  const system = SYSTEM_PATH.split(":");
  const extra = (host.PATH ?? "").split(":").filter((dir) => dir.startsWith("/") && !system.includes(dir));
  return [...system, ...extra].join(":");
}

/** What any tool needs to run as the user: where programs are, where home is, a fixed language. */
function base(host: Env): Record<string, string> {
  const env: Record<string, string> = { PATH: trustedPath(host), LC_ALL: "C", LANG: "C", TZ: "UTC" };
  if (host.HOME) env.HOME = host.HOME;
  if (host.TMPDIR) env.TMPDIR = host.TMPDIR;
  return env;
}

/**
 * git: nothing of the host's but PATH and TMPDIR. No GIT_* variable from
 * outside (GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE, GIT_CONFIG_* would each
 * point git at another repository or change what it reports); an empty
 * folder of bunseal's own as HOME and XDG_CONFIG_HOME, and no system or global
 * configuration (a hostile HOME's .gitconfig can name an fsmonitor or hooks
 * program); replace refs and grafts off, so an object id means that object;
 * no pager, prompt, optional locks or translated messages. The command-line
 * settings that go with it are in src/source/git-runner.ts, which gives each
 * git process a `home` of its own; start git only through it.
 */
export function gitEnv(host: Env, home: string = sharedGitHome()): Record<string, string> {
  const env: Record<string, string> = {
    PATH: trustedPath(host),
    LC_ALL: "C",
    LANG: "C",
    TZ: "UTC",
    HOME: home,
    XDG_CONFIG_HOME: home,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_ATTR_NOSYSTEM: "1",
    GIT_NO_REPLACE_OBJECTS: "1",
    GIT_GRAFT_FILE: "/dev/null",
    GIT_NO_LAZY_FETCH: "1",
    GIT_PAGER: "cat",
    GIT_TERMINAL_PROMPT: "0",
    GIT_OPTIONAL_LOCKS: "0",
  };
  if (host.TMPDIR) env.TMPDIR = host.TMPDIR;
  return env;
}

let shared: string | undefined;

/** For a caller that passes no home: one empty folder for the process, removed when it exits. */
function sharedGitHome(): string {
  if (shared === undefined) {
    const made = mkdtempSync(join(tmpdir(), "bunseal-git-home-"));
    shared = made;
    process.once("exit", () => rmSync(made, { recursive: true, force: true }));
  }
  return shared;
}

/** Variables `bun install` honours for reaching a registry: proxies, registry and CA settings. */
const INSTALL_PASS = /^(?:HTTPS?_PROXY|https?_proxy|NO_PROXY|no_proxy|NPM_CONFIG_REGISTRY|npm_config_registry|NPM_CONFIG_CAFILE|npm_config_cafile|BUN_CONFIG_REGISTRY|NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|BUN_INSTALL_CACHE_DIR|XDG_CACHE_HOME)$/;

/** `bun install` and other Bun tool runs (probes): the registry settings, nothing else of the host's. */
export function bunToolEnv(host: Env): Record<string, string> {
  const env = base(host);
  for (const [name, value] of Object.entries(host)) if (value !== undefined && INSTALL_PASS.test(name)) env[name] = value;
  return env;
}

/** Plain system tools (rm, cp, sysctl): a PATH and a language. */
export function toolEnv(host: Env): Record<string, string> {
  return base(host);
}
