import { z } from 'zod';
import { OAuthFlowError } from '../errors.js';
import type { ApiClient } from '../http.js';

// The demo invoices carry sales tax, and a company that does not use QBO's sales tax needs an item to post
// tax lines on (mapping key `sales_tax`). The sandbox does not seed one, and our API does not create QBO
// items, so against the local sandbox only, demo setup creates a "Sales Tax" service item itself: with a
// token from the sandbox's admin API, through the sandbox's QBO API.

export const SALES_TAX_ITEM_NAME = 'Sales Tax';

const Tokens = z.object({ access_token: z.string() });
const Created = z.object({ Item: z.object({ Id: z.string(), Name: z.string() }) });

/** The sandbox behind an authorize URL, or undefined when it is not the local sandbox (Intuit). */
export async function sandboxOrigin(api: ApiClient, authorizeUrl: string): Promise<string | undefined> {
  const origin = new URL(authorizeUrl).origin;
  try {
    const health = await api.raw('GET', `${origin}/__sandbox/health`);
    return health.status === 200 ? origin : undefined;
  } catch {
    return undefined;
  }
}

export async function createSandboxItem(
  api: ApiClient,
  origin: string,
  realmId: string,
  item: { name: string; incomeAccountId: string },
): Promise<{ id: string; name: string }> {
  const post = async <S extends z.ZodType>(path: string, schema: S, body: unknown, token?: string) => {
    const answer = await api.raw('POST', `${origin}${path}`, {
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const parsed = schema.safeParse(answer.status === 200 || answer.status === 201 ? JSON.parse(answer.text) : null);
    if (!parsed.success) {
      throw new OAuthFlowError(`The sandbox refused ${path} (HTTP ${answer.status}: ${answer.text.slice(0, 200)}).`);
    }
    return parsed.data as z.infer<S>;
  };
  const { access_token } = await post(`/__sandbox/realms/${realmId}/tokens`, Tokens, {});
  const created = await post(
    `/v3/company/${realmId}/item?minorversion=75`,
    Created,
    { Name: item.name, Type: 'Service', IncomeAccountRef: { value: item.incomeAccountId } },
    access_token,
  );
  return { id: created.Item.Id, name: created.Item.Name };
}
