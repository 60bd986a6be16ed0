// Fault injection rules per realm, drawn from a seeded PRNG so chaos runs are reproducible.
import { z } from 'zod';
import { mulberry32, type Rng } from './prng.js';

export const faultRuleSchema = z.object({
  kind: z.enum(['http5xx', 'throttle', 'latency', 'commit-then-drop']),
  status: z.number().int().min(500).max(599).optional(),
  latencyMs: z.number().int().min(0).max(120_000).optional(),
  probability: z.number().min(0).max(1).optional(),
  times: z.number().int().min(1).optional(),
  match: z
    .object({
      method: z.string().optional(),
      entity: z.string().optional(),
      operation: z.string().optional(),
    })
    .optional(),
});

export type FaultRuleInput = z.infer<typeof faultRuleSchema>;
export interface FaultRule extends FaultRuleInput {
  id: number;
  fired: number;
}

export interface RequestInfo {
  method: string;
  entity: string;
  operation: string;
}

export interface Injection {
  latencyMs: number;
  action?: FaultRule;
}

let nextRuleId = 1;
const NOTHING: Injection = Object.freeze({ latencyMs: 0 });

export class FaultInjector {
  rules: FaultRule[] = [];
  private rng: Rng;

  constructor(seed: number) {
    this.rng = mulberry32(seed);
  }

  reseed(seed: number): void {
    this.rng = mulberry32(seed);
  }

  add(input: FaultRuleInput): FaultRule {
    const rule: FaultRule = { ...input, id: nextRuleId++, fired: 0 };
    this.rules.push(rule);
    return rule;
  }

  clear(): void {
    this.rules = [];
  }

  /** Latency rules add up; the first firing non-latency rule decides the outcome. */
  decide(req: RequestInfo): Injection {
    if (this.rules.length === 0) return NOTHING;
    const out: Injection = { latencyMs: 0 };
    for (const rule of this.rules) {
      if (out.action && rule.kind !== 'latency') continue;
      if (!matches(rule, req)) continue;
      if (rule.probability !== undefined && this.rng() >= rule.probability) continue;
      rule.fired++;
      if (rule.times !== undefined) rule.times--;
      if (rule.kind === 'latency') out.latencyMs += rule.latencyMs ?? 0;
      else out.action = rule;
    }
    this.rules = this.rules.filter((r) => r.times === undefined || r.times > 0);
    return out;
  }
}

function matches(rule: FaultRule, req: RequestInfo): boolean {
  const m = rule.match;
  if (!m) return true;
  if (m.method && m.method.toUpperCase() !== req.method) return false;
  if (m.entity && m.entity.toLowerCase() !== req.entity) return false;
  if (m.operation && m.operation.toLowerCase() !== req.operation) return false;
  return true;
}
