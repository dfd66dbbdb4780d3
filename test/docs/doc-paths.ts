import * as fs from 'fs';
import * as path from 'path';

/** The repository's root. */
export const ROOT = path.resolve(__dirname, '..', '..');

/** Inline code that starts with one of these (and holds a '/') names a file of the repository. */
export const REPOSITORY_PREFIXES = ['apps/', 'libs/', 'contracts/', 'deploy/', 'docs/', 'test/', 'scripts/', 'bench-results/', '.ci/'];

/** Characters of placeholders and globs (`pdp.inbox.<partnerId>.v1`, `libs/*`): such a span names no one file. */
const PLACEHOLDER = /[<>*?{}[\]$|…]|\.\.\./;

export interface PathReference {
  /** The markdown file, relative to the root. */
  file: string;
  line: number;
  /** As written. */
  text: string;
  kind: 'link' | 'code';
  /** Absolute path it resolves to. */
  resolved: string;
}

/** The documentation the check covers: README.md, every markdown file under docs/, the results index. */
export function documentationFiles(root = ROOT): string[] {
  const files = ['README.md', 'bench-results/README.md'].filter((f) => fs.existsSync(path.join(root, f)));
  const walk = (dir: string): void => {
    if (!fs.existsSync(path.join(root, dir))) return;
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.md')) files.push(rel);
    }
  };
  walk('docs');
  return files.sort();
}

/** The text with fenced code blocks blanked out, line breaks kept (so offsets still give lines). */
export function withoutFences(text: string): string {
  const lines = text.split('\n');
  let fence: string | null = null;
  return lines
    .map((line) => {
      const m = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
      if (fence === null && m) {
        fence = m[1];
        return '';
      }
      if (fence !== null) {
        if (m && m[1][0] === fence[0] && m[1].length >= fence.length && line.trim() === m[1]) fence = null;
        return '';
      }
      return line;
    })
    .join('\n');
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Every path a markdown text names: the targets of its links and images that are relative paths
 * (resolved from the file's folder; a leading '/' from the root; anchors and queries dropped),
 * and the words of its inline code that start with a repository folder (resolved from the root).
 */
export function pathReferences(file: string, markdown: string, root = ROOT): PathReference[] {
  const text = withoutFences(markdown);
  const refs: PathReference[] = [];
  const dir = path.dirname(path.join(root, file));

  const link = (target: string, offset: number) => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) return; // a URL, or an anchor in this file
    const bare = target.replace(/[#?].*$/, '');
    if (!bare) return;
    let decoded = bare;
    try {
      decoded = decodeURIComponent(bare);
    } catch {
      // kept as written
    }
    const resolved = decoded.startsWith('/') ? path.join(root, decoded) : path.resolve(dir, decoded);
    refs.push({ file, line: lineAt(text, offset), text: target, kind: 'link', resolved });
  };
  // [text](target "title") and ![alt](target); the text may hold inline code and escaped brackets.
  for (const m of text.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g)) {
    link(m[1].replace(/^<|>$/g, ''), m.index ?? 0);
  }
  // [label]: target
  for (const m of text.matchAll(/^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/gm)) link(m[1].replace(/^<|>$/g, ''), m.index ?? 0);

  for (const m of text.matchAll(/(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g)) {
    for (const word of m[2].split(/\s+/)) {
      const candidate = word
        .replace(/^[("'[]+/, '')
        .replace(/[)"',;.:\]]+$/, '')
        .replace(/:\d+(:\d+)?$/, '');
      if (!REPOSITORY_PREFIXES.some((p) => candidate.startsWith(p)) || PLACEHOLDER.test(candidate)) continue;
      refs.push({ file, line: lineAt(text, m.index ?? 0), text: candidate, kind: 'code', resolved: path.join(root, candidate) });
    }
  }
  return refs;
}

/** What is wrong with a reference: it leaves the repository, or names nothing; null when it resolves. */
export function problemOf(ref: PathReference, root = ROOT): string | null {
  const rel = path.relative(root, ref.resolved);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return `${ref.file}:${ref.line}: ${ref.text} (${ref.kind}) points outside the repository`;
  if (!fs.existsSync(ref.resolved)) return `${ref.file}:${ref.line}: ${ref.text} (${ref.kind}) does not exist`;
  return null;
}
