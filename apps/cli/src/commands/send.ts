import type { EventResult } from '@qbo-sync/contracts';
import { defineCommand } from '../command.js';
import { InputError } from '../errors.js';
import { addResults, BatchSender, describeRejection, emptyTally, sendEvent, tenantCredentials } from '../ingest.js';
import { freshEventId, parseJsonText, readInputFile } from '../read-input.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export const send = defineCommand({
  name: 'send',
  args: '<tenant> <event.json|->',
  summary:
    'Sign and send one event (a JSON object) to POST /v1/events, or an array of events to POST /v1/events:batch.',
  details: [
    'Uses the tenant key and secret saved with --save (or QBO_SYNC_API_KEY / QBO_SYNC_SIGNING_SECRET).',
    'Sending the same event id again is safe: the API answers "duplicate".',
    'example: qbo-sync send demo apps/cli/examples/invoice-sent.json',
  ],
  options: {
    'new-id': { type: 'boolean', description: 'give each event a fresh id (to resend an example)' },
  },
  positionals: { min: 2, max: 2 },
  async run(ctx, { positionals, values }) {
    const [tenantId = '', file = ''] = positionals;
    const parsed = parseJsonText(await readInputFile(ctx, file), file === '-' ? 'standard input' : file);
    const events = Array.isArray(parsed) ? parsed : [parsed];
    if (events.length === 0) throw new InputError(`${file} holds an empty array: nothing to send.`);
    if (values['new-id']) {
      for (const event of events) if (isRecord(event)) event.id = freshEventId(event.id, ctx.now());
    }
    const credentials = await tenantCredentials(ctx, tenantId);
    let results: EventResult[];
    if (Array.isArray(parsed)) {
      results = await new BatchSender(ctx.api, credentials).send(events);
    } else {
      results = [await sendEvent(ctx.api, credentials, parsed)];
    }
    const tally = addResults(emptyTally(), results);
    if (ctx.json) {
      ctx.out.out(JSON.stringify({ results, summary: tally }, null, 2));
    } else {
      for (const r of results) {
        const detail = r.status === 'rejected' ? describeRejection(r) : `job ${r.jobId ?? '-'}`;
        ctx.out.out(`${r.status.padEnd(9)} ${r.id ?? '(no id)'}  ${detail}`);
      }
      if (results.length > 1) {
        ctx.out.out(`${tally.accepted} accepted, ${tally.duplicate} duplicate, ${tally.rejected} rejected`);
      }
      if (tally.accepted + tally.duplicate > 0) {
        ctx.out.out(`Follow it with: ${ctx.invocation} status ${tenantId}`);
      }
    }
    return tally.rejected > 0 ? 1 : 0;
  },
});
