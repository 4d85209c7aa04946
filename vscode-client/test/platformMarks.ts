/**
 * Tests that check what only POSIX has (shell scripts standing in for Pythons, symbolic links
 * to files, named pipes, devices) are reported as skipped on Windows, with the reason, as the
 * Python suite's `posix` mark does.
 */
export function posixOnly(why: string): { skip: string | false } {
  return { skip: process.platform === "win32" && `POSIX only: ${why}` };
}
