// Fails when an export of the public entry point (runtime/index.ts, and
// dist/types/runtime/index.d.ts when built) has no page in docs/api/; namespace
// exports (F, ops, ...) are checked member by member inside their namespace folder.
// Also fails when an export reachable from runtime/index.ts (namespace members included;
// the `export * as` namespaces themselves excepted) has no doc comment (`/** ... */` on its
// declaration, as the compiler's getDocumentationComment sees it).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const out = path.join(root, 'docs/api');

function pagesUnder(dir) {
  const pages = new Set();
  const walk = (d, ns) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        // namespaces/<name>/ holds the namespace's README.md and its members' pages
        if (path.basename(d) === 'namespaces') { pages.add(`${ns}/${e.name}`); walk(p, ns ? `${ns}.${e.name}` : e.name); }
        else walk(p, ns);
      } else if (e.name.endsWith('.md') && e.name !== 'README.md') {
        pages.add(`${ns}/${e.name.slice(0, -3)}`);
      }
    }
  };
  walk(dir, '');
  // a re-export (the same declaration under a second name) is an anchor, "### Name" with
  // "Re-exports [Name](...)", in the README.md of the module or namespace that re-exports it
  const anchors = (file, ns) => {
    if (!fs.existsSync(file)) return;
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/^#{2,4} (\S+)\n\nRe-exports \[/gm)) pages.add(`${ns}#${m[1]}`);
  };
  anchors(path.join(dir, 'README.md'), '');
  for (const f of fs.readdirSync(dir, { recursive: true }).map(String)) {
    const parts = f.split(path.sep);
    if (parts.at(-1) !== 'README.md' || parts.at(-3) !== 'namespaces') continue;
    anchors(path.join(dir, f), parts.filter((_, i) => parts[i - 1] === 'namespaces').join('.'));
  }
  return pages;
}

function exportsOf(file) {
  const program = ts.createProgram([file], {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler, skipLibCheck: true, noEmit: true,
    types: [], lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  });
  const checker = program.getTypeChecker();
  const sf = program.getSourceFile(file);
  const mod = checker.getSymbolAtLocation(sf);
  const names = [];
  const visit = (sym, ns) => {
    for (const e of checker.getExportsOfModule(sym)) {
      const target = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
      const fileNamespace = !!(target.flags & ts.SymbolFlags.ValueModule && target.valueDeclaration && ts.isSourceFile(target.valueDeclaration));
      // a module namespace (`export * as F`) has no declaration of its own to document; its members are checked
      const documented = fileNamespace || ts.displayPartsToString(target.getDocumentationComment(checker)).trim() !== '';
      const decl = target.declarations?.[0];
      const where = decl
        ? `${path.relative(root, decl.getSourceFile().fileName)}:${decl.getSourceFile().getLineAndCharacterOfPosition(decl.getStart()).line + 1}`
        : '?';
      names.push({ ns, name: e.name, documented, where });
      if (fileNamespace) visit(target, ns ? `${ns}.${e.name}` : e.name);
    }
  };
  visit(mod, '');
  return names;
}

const pages = pagesUnder(out);
const source = path.join(root, 'runtime/index.ts');
const entries = [source, path.join(root, 'dist/types/runtime/index.d.ts')].filter((f) => fs.existsSync(f));
let missing = 0;
let undocumented = 0;
for (const file of entries) {
  const names = exportsOf(file);
  const lost = names.filter(({ ns, name }) => !pages.has(`${ns}/${name}`) && !pages.has(`${ns}#${name}`));
  for (const { ns, name } of lost) console.error(`missing page: ${ns ? ns + '.' : ''}${name} (export of ${path.relative(root, file)})`);
  missing += lost.length;
  console.log(`${path.relative(root, file)}: ${names.length - lost.length}/${names.length} exports documented (${names.filter((n) => !n.ns).length} top-level)`);
  // doc comments are checked on the sources only (dist/types may be stale until the next build)
  if (file !== source) continue;
  const bare = names.filter((n) => !n.documented);
  for (const { ns, name, where } of bare) console.error(`missing doc comment: ${ns ? ns + '.' : ''}${name} (${where})`);
  undocumented += bare.length;
  console.log(`${path.relative(root, file)}: ${names.length - bare.length}/${names.length} exports have a doc comment`);
}
console.log(`${[...fs.readdirSync(out, { recursive: true })].filter((f) => String(f).endsWith('.md')).length} pages in docs/api`);
if (missing) console.error(`${missing} exports without a page`);
if (undocumented) console.error(`${undocumented} exports without a doc comment (/** ... */ on the declaration)`);
if (missing || undocumented) process.exit(1);
