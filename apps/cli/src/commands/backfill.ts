import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { EventResult } from '@qbo-sync/contracts';
import { defineCommand, positiveInt } from '../command.js';
import { InputError } from '../errors.js';
import { addResults, BatchSender, describeRejection, emptyTally, type Tally, tenantCredentials } from '../ingest.js';

/** At most this many rejections are listed; the counts cover all of them. */
const LISTED_REJECTIONS = 20;

interface Pending {
  line: number;
  event: unknown;
}

export interface BackfillReport extends Tally {
  lines: number;
  rejections: Array<{ line: number; id: string | null; reason: string }>;
}

export const backfill = defineCommand({
  name: 'backfill',
  args: '<tenant> <events.ndjson>',
  summary:
    'Stream a file of events (one JSON object per line) through the batch endpoint with source "backfill", ' +
    'so live events keep priority, and report accepted / duplicate / rejected counts.',
  details: [
    'Batches are as large as the API allows (found from its answer) unless --batch-size is given.',
    'Re-running a backfill is safe: events already received answer "duplicate".',
  ],
  options: {
    'batch-size': { type: 'string', hint: '<n>', description: 'events per request (default: the API maximum)' },
  },
  positionals: { min: 2, max: 2 },
  async run(ctx, { positionals, values }) {
    const [tenantId = '', file = ''] = positionals;
    const batchSize =
      values['batch-size'] === undefined ? undefined : positiveInt('batch-size', values['batch-size'], 1);
    try {
      await access(file);
    } catch {
      throw new InputError(`${file}: no such file (or it cannot be read).`);
    }
    const credentials = await tenantCredentials(ctx, tenantId);
    const sender = new BatchSender(ctx.api, credentials, { batchSize });
    const report: BackfillReport = { ...emptyTally(), lines: 0, rejections: [] };
    const reject = (line: number, id: string | null, reason: string) => {
      report.rejected += 1;
      if (report.rejections.length < LISTED_REJECTIONS) report.rejections.push({ line, id, reason });
    };

    let pending: Pending[] = [];
    const flush = async () => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      const results: EventResult[] = await sender.send(batch.map((p) => p.event));
      results.forEach((r, i) => {
        if (r.status === 'rejected') reject(batch[i]?.line ?? 0, r.id, describeRejection(r));
      });
      addResults(
        report,
        results.filter((r) => r.status !== 'rejected'),
      );
      if (!ctx.json) {
        ctx.out.err(
          `… ${report.accepted + report.duplicate + report.rejected} events: ${report.accepted} accepted, ${report.duplicate} duplicate, ${report.rejected} rejected`,
        );
      }
    };

    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
    let lineNo = 0;
    for await (const text of lines) {
      lineNo += 1;
      if (text.trim() === '') continue;
      report.lines += 1;
      let event: unknown;
      try {
        event = JSON.parse(text);
      } catch (err) {
        reject(lineNo, null, `invalid_json — ${(err as Error).message}`);
        continue;
      }
      if (typeof event !== 'object' || event === null || Array.isArray(event)) {
        reject(lineNo, null, 'invalid_event — each line must be one JSON object (an event)');
        continue;
      }
      // Backfill events rank below live ones in every queue; the file's own `source` is overridden.
      pending.push({ line: lineNo, event: { ...event, source: 'backfill' } });
      if (pending.length >= sender.batchSize) await flush();
    }
    await flush();

    if (ctx.json) {
      ctx.out.out(JSON.stringify(report, null, 2));
    } else {
      ctx.out.out(
        `backfill of ${file} for ${tenantId}: ${report.lines} events — ${report.accepted} accepted, ${report.duplicate} duplicate, ${report.rejected} rejected`,
      );
      for (const r of report.rejections) ctx.out.out(`  line ${r.line}${r.id ? ` (${r.id})` : ''}: ${r.reason}`);
      if (report.rejected > report.rejections.length) {
        ctx.out.out(`  … and ${report.rejected - report.rejections.length} more rejected`);
      }
    }
    return report.rejected > 0 ? 1 : 0;
  },
});
