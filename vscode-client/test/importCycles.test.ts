/**
 * No import cycle in the extension's sources or in the package it shares with JupyterLab.
 * A cycle makes what a module sees at load time depend on which side was loaded first, and
 * hides which way the flow goes; a type-only import counts too, since it is the same
 * dependency of design. Read statically with TypeScript's own scanner, so nothing is run.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import * as ts from "typescript";

/** vscode-client/out/test/ → vscode-client/. */
const CLIENT = path.resolve(__dirname, "..", "..");
const SHARED = path.resolve(CLIENT, "..", "clients-shared");
/** Packages whose sources are walked too: an import of one is an edge to its index. */
const PACKAGES: Record<string, string> = { "@aws-login-bridge/shared": path.join(SHARED, "src", "index.ts") };

function sourcesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"))
    .map((name) => path.join(dir, name))
    .sort();
}

/** The file a specifier names, if it is one of ours (relative, or a walked package). */
function resolve(from: string, specifier: string): string | undefined {
  if (PACKAGES[specifier]) {
    return PACKAGES[specifier];
  }
  if (!specifier.startsWith(".")) {
    return undefined;
  }
  const base = path.resolve(path.dirname(from), specifier);
  return [`${base}.ts`, path.join(base, "index.ts")].find((f) => fs.existsSync(f));
}

/** Each file's imports among `files`: import and export-from statements, type-only ones,
 * `import()` and `require()`. */
function importGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const scanned = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
    const targets = scanned.importedFiles
      .map((ref) => resolve(file, ref.fileName))
      .filter((f): f is string => f !== undefined);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** One cycle per strongly connected component (Tarjan), as the path that closes it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfImport = (graph.get(node) ?? []).includes(node);
      if (component.length > 1 || selfImport) {
        found.push(closingPath(graph, new Set(component), node));
      }
    }
  };
  for (const node of graph.keys()) {
    if (!index.has(node)) {
      visit(node);
    }
  }
  return found;
}

/** A path from `start` back to itself inside one component (breadth-first: a shortest one). */
function closingPath(graph: Map<string, string[]>, component: Set<string>, start: string): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const node = queue.shift()!;
    for (const next of graph.get(node) ?? []) {
      if (next === start) {
        const way = [node];
        while (way[0] !== start) {
          way.unshift(cameFrom.get(way[0])!);
        }
        return [...way, start];
      }
      if (component.has(next) && !cameFrom.has(next)) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start];
}

function shown(cycle: string[], root: string): string {
  return cycle.map((f) => path.relative(root, f).split(path.sep).join("/")).join(" → ");
}

describe("import cycles", () => {
  it("none in vscode-client/src or clients-shared/src", () => {
    const files = [...sourcesUnder(path.join(CLIENT, "src")), ...sourcesUnder(path.join(SHARED, "src"))];
    const graph = importGraph(files);
    // The walk saw the files and their imports (a wrong folder would find nothing).
    assert.ok(graph.size > 20, `${graph.size} files`);
    assert.ok(graph.get(path.join(CLIENT, "src", "statusBar.ts"))?.includes(PACKAGES["@aws-login-bridge/shared"]));
    const root = path.dirname(CLIENT);
    assert.deepEqual(cycles(graph).map((c) => shown(c, root)), []);
  });

  it("finds a cycle closed by a type-only import, and a module importing itself", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cycles-"));
    try {
      const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
      write("a.ts", 'import { b } from "./b";\nexport const a = b;\n');
      write("b.ts", 'import type { C } from "./c";\nexport const b: C | undefined = undefined;\n');
      write("c.ts", 'export type { a as C } from "./a";\n');
      write("self.ts", 'export * from "./self";\n');
      write("leaf.ts", 'import { a } from "./a";\nexport const leaf = a;\n');
      const graph = importGraph(sourcesUnder(dir));
      assert.deepEqual(cycles(graph).map((c) => shown(c, dir)).sort(), ["a.ts → b.ts → c.ts → a.ts", "self.ts → self.ts"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
