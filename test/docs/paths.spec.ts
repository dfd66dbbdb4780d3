import * as fs from 'fs';
import * as path from 'path';
import { documentationFiles, pathReferences, problemOf, ROOT, withoutFences } from './doc-paths';

describe('paths named by the documentation', () => {
  const files = documentationFiles();
  const refs = files.flatMap((f) => pathReferences(f, fs.readFileSync(path.join(ROOT, f), 'utf8')));

  it('covers the README, docs/ and the results index', () => {
    expect(files).toContain('README.md');
    expect(files).toContain('bench-results/README.md');
    expect(files.filter((f) => f.startsWith('docs/')).length).toBeGreaterThan(0);
    // A checker that finds nothing would pass whatever the docs say.
    expect(refs.filter((r) => r.kind === 'link').length).toBeGreaterThan(20);
    expect(refs.filter((r) => r.kind === 'code').length).toBeGreaterThan(20);
  });

  it('every linked file and every repository path in inline code exists, inside the repository', () => {
    // All at once, so one run lists every path to fix.
    const problems = refs.map((r) => problemOf(r)).filter((p): p is string => p !== null);
    expect(problems).toEqual([]);
  });
});

describe('what the check reads', () => {
  const root = '/repo';
  const refsOf = (md: string, file = 'docs/x.md') => pathReferences(file, md, root).map((r) => [r.kind, path.relative(root, r.resolved)]);

  it('resolves links from the file, drops anchors, and skips URLs and in-page anchors', () => {
    expect(refsOf('[a](../libs/db/src/migrate.ts#L3) [b](https://example.org/x) [c](#top) ![d](img/a.png "t")')).toEqual([
      ['link', 'libs/db/src/migrate.ts'],
      ['link', 'docs/img/a.png'],
    ]);
  });

  it('reads repository paths in inline code from the root, and skips placeholders, globs and other words', () => {
    expect(refsOf('`libs/bus/src/bus.ts:12`, `bash deploy/kafka/kafka.sh start`, `pdp.inbox.<partnerId>.v1`, `apps/<name>/src/main.ts`, `libs/*`, `npm start`, `dist/apps/hub/src/main.js`')).toEqual([
      ['code', 'libs/bus/src/bus.ts'],
      ['code', 'deploy/kafka/kafka.sh'],
    ]);
  });

  it('ignores fenced code blocks', () => {
    expect(withoutFences('a\n```bash\nlibs/x\n```\nb')).toBe('a\n\n\n\nb');
    expect(refsOf('```\n[x](nowhere.md) `libs/nowhere.ts`\n```\n`libs/here.ts`')).toEqual([['code', 'libs/here.ts']]);
  });

  it('reports a link that leaves the repository', () => {
    const [ref] = pathReferences('README.md', '[domain](../shared/DOMAIN.md)', root);
    expect(problemOf(ref, root)).toMatch(/outside the repository/);
  });
});
