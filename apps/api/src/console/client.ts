/// <reference lib="dom" />
// The sync console's browser script. It is type-checked here and served as `(consoleClient)(words)` by
// console.ts, so it must stay self-contained: no imports at run time, no references to module scope.
// It only calls the admin API (same origin: the console's session cookie or loopback access applies).
import type {
  ConnectResponse,
  ManualSyncResponse,
  MappingKind,
  QboListResponse,
  ReplayOneResponse,
  ReplayResponse,
  SyncRecordDetailResponse,
  SyncRecordListResponse,
  SyncRecordView,
  TenantDetailResponse,
  TenantListResponse,
  UpsertMappingResponse,
} from '@qbo-sync/contracts';

export function consoleClient(words: Record<string, string>): void {
  const byId = <T extends HTMLElement>(id: string): T => {
    const found = document.getElementById(id);
    if (!found) throw new Error(`console page lacks #${id}`);
    return found as T;
  };
  const tenantSelect = byId<HTMLSelectElement>('tenant');
  const statusSelect = byId<HTMLSelectElement>('status');
  const typeSelect = byId<HTMLSelectElement>('entityType');
  const fromInput = byId<HTMLInputElement>('from');
  const toInput = byId<HTMLInputElement>('to');
  const tbody = byId<HTMLTableElement>('records').tBodies[0] as HTMLTableSectionElement;
  const more = byId<HTMLButtonElement>('more');
  const detail = byId<HTMLElement>('detail');
  const message = byId<HTMLElement>('message');
  let nextCursor: string | undefined;

  /** Builds an element; strings become text nodes, so nothing from the API is ever parsed as HTML. */
  function el(tag: string, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElement {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    for (const c of children) node.append(typeof c === 'string' ? document.createTextNode(c) : c);
    return node;
  }
  function button(label: string, onClick: () => void): HTMLButtonElement {
    const b = el('button', { type: 'button' }, label) as HTMLButtonElement;
    b.addEventListener('click', onClick);
    return b;
  }
  function say(text: string, bad = false): void {
    message.textContent = text;
    message.className = bad ? 'bad' : 'ok';
  }

  async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method, credentials: 'same-origin' };
    if (body !== undefined) {
      init.headers = { 'content-type': 'application/json' };
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    if (res.status === 401) {
      window.location.assign('/console');
      throw new Error('Signed out; sign in again.');
    }
    const text = await res.text();
    const data = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const err = (data as { error?: { message?: string } } | undefined)?.error;
      throw new Error(err?.message ?? `The server answered ${res.status}.`);
    }
    return data as T;
  }
  const tenantPath = () => `/admin/tenants/${encodeURIComponent(tenantSelect.value)}`;
  const run = (work: () => Promise<void>) => () => {
    work().catch((err: unknown) => say(err instanceof Error ? err.message : String(err), true));
  };

  /** The filters as the API's fields; the "to" date is inclusive on screen, exclusive in the API. */
  function range(): { from?: string; to?: string } {
    const out: { from?: string; to?: string } = {};
    if (fromInput.value) out.from = fromInput.value;
    if (toInput.value) {
      const end = new Date(`${toInput.value}T00:00:00Z`);
      end.setUTCDate(end.getUTCDate() + 1);
      out.to = end.toISOString();
    }
    return out;
  }

  async function loadTenants(): Promise<void> {
    const { tenants } = await api<TenantListResponse>('GET', '/admin/tenants');
    tenantSelect.replaceChildren(...tenants.map((t) => el('option', { value: t.id }, `${t.name} (${t.id})`)));
    if (tenants.length === 0) say('No tenants yet: create one with the CLI or POST /admin/tenants.');
    const wanted = new URLSearchParams(window.location.search).get('tenant');
    if (wanted && tenants.some((t) => t.id === wanted)) tenantSelect.value = wanted;
  }

  async function loadTenant(): Promise<void> {
    if (!tenantSelect.value) return;
    const t = await api<TenantDetailResponse>('GET', tenantPath());
    const c = t.connection;
    byId('connection').textContent =
      c.status === 'active'
        ? `Connected to QuickBooks company ${c.realmId ?? ''}.`
        : `QuickBooks: ${c.status.replace('_', ' ')}. ${c.reason ?? ''}`;
    byId('connect').textContent = c.status === 'active' ? 'Reconnect QuickBooks' : 'Connect QuickBooks';
    const counts = Object.entries(t.counts)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${words[s] ?? s}: ${n}`);
    byId('counts').textContent =
      `${counts.join(' · ') || 'No syncs yet.'} Automatic sync is ${t.settings.autoSync ? 'on' : 'off'}.`;
  }

  function row(r: SyncRecordView): HTMLElement {
    const actions = el('td');
    actions.append(
      button(
        'Details',
        run(() => showDetail(r)),
      ),
    );
    actions.append(
      ' ',
      button(
        'Replay',
        run(() => replayOne(r)),
      ),
    );
    if (r.qboUrl)
      actions.append(' ', el('a', { href: r.qboUrl, target: '_blank', rel: 'noopener' }, 'View in QuickBooks'));
    const tr = el(
      'tr',
      { 'data-key': `${r.entityType}/${r.externalId}` },
      el('td', { class: `status status-${r.status}` }, words[r.status] ?? r.status),
      el('td', {}, r.entityType),
      el('td', {}, r.externalId),
      el('td', {}, r.docNumber ?? ''),
      el('td', {}, r.reason ?? ''),
      el('td', {}, new Date(r.updatedAt).toLocaleString()),
    );
    tr.append(actions);
    return tr;
  }

  async function search(append: boolean): Promise<void> {
    if (!tenantSelect.value) return;
    const q = new URLSearchParams({ limit: '50', ...range() });
    if (statusSelect.value) q.set('status', statusSelect.value);
    if (typeSelect.value) q.set('entityType', typeSelect.value);
    if (append && nextCursor) q.set('cursor', nextCursor);
    const page = await api<SyncRecordListResponse>('GET', `${tenantPath()}/sync-records?${q}`);
    if (!append) tbody.replaceChildren();
    tbody.append(...page.records.map(row));
    nextCursor = page.nextCursor;
    more.hidden = !nextCursor;
    if (!append) say(page.records.length === 0 ? 'Nothing matches these filters.' : '');
  }

  async function replayOne(r: SyncRecordView): Promise<void> {
    const path = `${tenantPath()}/sync-records/${r.entityType}/${encodeURIComponent(r.externalId)}/replay`;
    await api<ReplayOneResponse>('POST', path);
    say(`Replay of ${r.entityType} ${r.externalId} queued. Refresh in a moment to see the result.`);
  }

  async function replayAll(): Promise<void> {
    const status = statusSelect.value || 'failed';
    const scope = `${words[status] ?? status} ${typeSelect.value || 'records'}`;
    // A bulk action needs a note (kept in the audit log); cancelling the prompt cancels the replay.
    const note = window.prompt(`Replay every "${scope}" of ${tenantSelect.value} in the chosen dates? Say why:`);
    if (!note) return;
    const body: Record<string, string> = { status, ...range(), note };
    if (typeSelect.value) body['entityType'] = typeSelect.value;
    const { replayed } = await api<ReplayResponse>('POST', `${tenantPath()}/replay`, body);
    say(`${replayed} sync${replayed === 1 ? '' : 's'} queued again.`);
  }

  async function manualSync(): Promise<void> {
    const note = window.prompt('Sync everything waiting for a manual sync in the chosen dates? Say why:');
    if (!note) return;
    const body: Record<string, string> = { ...range(), note };
    if (typeSelect.value) body['entityType'] = typeSelect.value;
    const { queued } = await api<ManualSyncResponse>('POST', `${tenantPath()}/sync`, body);
    say(`${queued} waiting sync${queued === 1 ? '' : 's'} queued.`);
  }

  const LIST_OF_KIND: Partial<Record<MappingKind, string>> = {
    item: 'items',
    payment_method: 'payment-methods',
    deposit_account: 'accounts',
    account: 'accounts',
    tax_code: 'tax-codes',
  };

  /** A form to map one missing key: pick from the live QuickBooks list (or type an id for customers). */
  async function mappingForm(kind: MappingKind, key: string, label: string | undefined): Promise<HTMLElement> {
    const list = LIST_OF_KIND[kind];
    let input: HTMLInputElement | HTMLSelectElement;
    if (list) {
      const { items } = await api<QboListResponse>('GET', `${tenantPath()}/qbo/${list}`);
      input = el(
        'select',
        { name: 'qboId' },
        ...items.map((i) => el('option', { value: i.id }, `${i.name}${i.type ? ` (${i.type})` : ''}`)),
      ) as HTMLSelectElement;
    } else {
      input = el('input', { name: 'qboId', placeholder: 'QuickBooks id' }) as HTMLInputElement;
    }
    const form = el('form', {}, `${kind} "${label ?? key}" → `, input, ' ', el('button', { type: 'submit' }, 'Map'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      run(async () => {
        const qboName = input instanceof HTMLSelectElement ? input.selectedOptions[0]?.textContent : undefined;
        const path = `${tenantPath()}/mappings/${kind}/${encodeURIComponent(key)}`;
        const res = await api<UpsertMappingResponse>('PUT', path, {
          qboId: input.value,
          ...(qboName ? { qboName } : {}),
        });
        say(`Mapped ${kind} "${key}". ${res.resumed} parked sync${res.resumed === 1 ? '' : 's'} resumed.`);
      })();
    });
    return form;
  }

  async function showDetail(r: SyncRecordView): Promise<void> {
    const path = `${tenantPath()}/sync-records/${r.entityType}/${encodeURIComponent(r.externalId)}`;
    const { record, attempts } = await api<SyncRecordDetailResponse>('GET', path);
    for (const tr of Array.from(tbody.rows))
      tr.classList.toggle('selected', tr.dataset['key'] === `${r.entityType}/${r.externalId}`);
    const facts = el(
      'dl',
      {},
      el('dt', {}, 'Status'),
      el('dd', { class: `status status-${record.status}` }, words[record.status] ?? record.status),
      el('dt', {}, 'Why'),
      el('dd', {}, record.reason ?? '—'),
      el('dt', {}, 'Code'),
      el('dd', {}, record.reasonCode ?? '—'),
      el('dt', {}, 'QuickBooks'),
      el(
        'dd',
        {},
        record.qboUrl
          ? el('a', { href: record.qboUrl, target: '_blank', rel: 'noopener' }, 'View in QuickBooks')
          : 'not in QuickBooks yet',
      ),
    );
    const history = el(
      'table',
      {},
      el('tr', {}, ...['#', 'When', 'Outcome', 'Fault', 'Message'].map((h) => el('th', {}, h))),
    );
    for (const a of attempts) {
      history.append(
        el(
          'tr',
          {},
          el('td', {}, String(a.attempt)),
          el('td', {}, new Date(a.finishedAt).toLocaleString()),
          el('td', {}, a.outcome),
          el('td', {}, a.faultCode ?? ''),
          el('td', {}, a.message ?? ''),
        ),
      );
    }
    detail.replaceChildren(el('h2', {}, `${record.entityType} ${record.externalId}`), facts);
    const missing = (record.details as { missing?: Array<{ kind: MappingKind; key: string; label?: string }> } | null)
      ?.missing;
    if (record.status === 'needs_mapping' && missing?.length) {
      detail.append(el('h3', {}, 'Missing mappings'));
      for (const m of missing) detail.append(await mappingForm(m.kind, m.key, m.label));
    }
    detail.append(
      el('h3', {}, 'Attempts'),
      attempts.length ? history : el('p', { class: 'muted' }, 'No attempts yet.'),
      button(
        'Replay this sync',
        run(() => replayOne(record)),
      ),
    );
    detail.hidden = false;
  }

  async function connect(): Promise<void> {
    const { authorizeUrl } = await api<ConnectResponse>('GET', `${tenantPath()}/connect`);
    window.open(authorizeUrl, '_blank', 'noopener');
    say('Finish in the QuickBooks window, then reload this page.');
  }

  const refresh = run(async () => {
    detail.hidden = true;
    await loadTenant();
    await search(false);
  });
  tenantSelect.addEventListener('change', refresh);
  byId<HTMLFormElement>('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    refresh();
  });
  more.addEventListener(
    'click',
    run(() => search(true)),
  );
  byId('replay-all').addEventListener('click', run(replayAll));
  byId('manual-sync').addEventListener('click', run(manualSync));
  byId('connect').addEventListener('click', run(connect));
  document.getElementById('sign-out')?.addEventListener(
    'click',
    run(async () => {
      await api<undefined>('DELETE', '/admin/session');
      window.location.assign('/console');
    }),
  );
  run(async () => {
    await loadTenants();
    await loadTenant();
    await search(false);
  })();
}
