import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { EVENT_TYPES, validateEvent } from '@qbo-sync/contracts';
import { exampleFiles } from './examples.js';

const dir = join(import.meta.dirname, '..', 'examples');

describe('apps/cli/examples', () => {
  it('holds exactly one file per event type, identical to the contract examples (run `pnpm examples` to refresh)', async () => {
    const expected = exampleFiles();
    expect((await readdir(dir)).sort()).toEqual(expected.map((f) => f.file).sort());
    expect(expected.map((f) => f.type).sort()).toEqual([...EVENT_TYPES].sort());
    for (const f of expected) {
      expect({ file: f.file, content: await readFile(join(dir, f.file), 'utf8') }).toEqual({
        file: f.file,
        content: f.content,
      });
    }
  });

  it('every example is a valid event of tenant demo', () => {
    for (const f of exampleFiles()) {
      const event: unknown = JSON.parse(f.content);
      const result = validateEvent(event);
      expect(result.ok ? result.event.tenantId : result.issues).toBe('demo');
    }
  });
});
