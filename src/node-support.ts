/**
 * Node releases the bot is known to misbehave on, said once at start (npm only warns about `engines`
 * at install, and only when asked to).
 */

/** Why `version` (as `process.versions.node` gives it) is not supported, or undefined when it is. */
export function unsupportedNode(version: string): string | undefined {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major === 24 && minor >= 19 && minor < 22)
    return 'Node 24.19.0 to 24.21.x can abort a process using better-sqlite3 as it exits (Assertion failed: (env) != nullptr); use 24.22 or later, or 22';
  return undefined;
}
