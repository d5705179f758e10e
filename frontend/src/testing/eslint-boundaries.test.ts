// @vitest-environment node
// The import boundaries in eslint.config.js, checked through ESLint's Node API on in-memory files, so a
// broken resolver, a renamed folder or a dropped rule fails here instead of silently allowing every import.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('../..', import.meta.url));
const RULE = 'import-x/no-restricted-paths';
const features = readdirSync(`${root}/src/features`, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

// A real module of the feature (the resolver must find it, or no rule could fire), as an `@/` specifier.
function moduleOf(feature: string): string {
  const dir = `${root}/src/features/${feature}`;
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.tsx?$/.test(file) && !/\.test\.tsx?$/.test(file))
    .sort();
  expect(files.length, `no module in src/features/${feature}`).toBeGreaterThan(0);
  return `@/features/${feature}/${files[0].replace(/\.tsx?$/, '')}`;
}

const eslint = new ESLint({ cwd: root });

async function boundaryErrors(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}/${filePath}` });
  const fatal = result.messages.filter((m) => m.fatal);
  expect(fatal, 'the snippet must parse').toEqual([]);
  return result.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
}

describe('import boundaries (eslint.config.js)', { timeout: 30_000 }, () => {
  it('finds the features on disk', () => {
    expect(features).toEqual(expect.arrayContaining(['bots', 'trades', 'settings']));
  });

  it('forbids a feature to import another feature, for every feature', async () => {
    for (const [i, feature] of features.entries()) {
      const other = features[(i + 1) % features.length];
      const errors = await boundaryErrors(
        `import * as other from '${moduleOf(other)}';\nexport const x = other;\n`,
        `src/features/${feature}/components/snippet.tsx`,
      );
      expect(errors, `${feature} importing ${other}`).toEqual([expect.stringMatching(/may not import another feature/)]);
    }
  });

  it('catches relative paths, re-exports and dynamic imports across features', async () => {
    const target = moduleOf('bots').replace('@/features/', '../../');
    const errors = await boundaryErrors(
      [
        `import * as bots from '${target}';`,
        `export * from '${moduleOf('bots')}';`,
        `export const later = () => import('${moduleOf('bots')}');`,
        'export const x = bots;',
      ].join('\n'),
      'src/features/trades/components/snippet.tsx',
    );
    expect(errors).toHaveLength(3);
  });

  it('forbids lib/ and components/ to import any feature', async () => {
    for (const file of ['src/lib/snippet.ts', 'src/components/ui/snippet.tsx']) {
      const errors = await boundaryErrors(`export * from '${moduleOf('bots')}';\n`, file);
      expect(errors, file).toEqual([expect.stringMatching(/Shared code .* may not import a feature/)]);
    }
  });

  it('allows a feature its own modules and the shared code, and the app every feature', async () => {
    const shared = "export * from '@/lib/format';\nexport * from '@/components/ui/badge';\n";
    expect(await boundaryErrors(`export * from '${moduleOf('bots')}';\n${shared}`, 'src/features/bots/components/snippet.tsx')).toEqual([]);
    expect(await boundaryErrors(`export * from '../types';\n`, 'src/features/bots/components/snippet.tsx')).toEqual([]);
    expect(
      await boundaryErrors(`export * from '${moduleOf('bots')}';\nexport * from '${moduleOf('trades')}';\n`, 'src/app/routes/snippet.tsx'),
    ).toEqual([]);
  });
});
