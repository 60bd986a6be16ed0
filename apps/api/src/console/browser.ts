/// <reference lib="dom" />
// The console's own browser script, next to htmx: charts (uPlot), "select every row on this page", the
// selected count, and sign-out. Type-checked here and served as `(consoleBrowser)()` at /console/app.js, so it
// must stay self-contained: no imports at run time, no references to module scope.

/** What a chart's JSON block holds: x in Unix seconds, one series of values per line. */
export interface ChartData {
  x: number[];
  series: Array<{ label: string; values: number[]; stroke: string }>;
}

export function consoleBrowser(): void {
  interface UPlotCtor {
    new (opts: unknown, data: unknown, target: HTMLElement): { destroy(): void };
  }
  const w = window as unknown as { uPlot?: UPlotCtor };

  function drawCharts(root: ParentNode): void {
    const figures = root.querySelectorAll<HTMLElement>('[data-chart]');
    for (const fig of Array.from(figures)) {
      const source = document.getElementById(fig.dataset['chart'] ?? '');
      const plotArea = fig.querySelector<HTMLElement>('.plot');
      if (!source || !plotArea || !w.uPlot) continue;
      const data = JSON.parse(source.textContent ?? '{}') as {
        x: number[];
        series: Array<{ label: string; values: number[]; stroke: string }>;
      };
      plotArea.replaceChildren();
      const opts = {
        width: Math.max(280, plotArea.clientWidth || 560),
        height: 180,
        series: [{}, ...data.series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2 }))],
        axes: [{}, { size: 50 }],
        scales: { x: { time: true } },
      };
      new w.uPlot(opts, [data.x, ...data.series.map((s) => s.values)], plotArea);
      fig.dataset['drawn'] = String(data.x.length);
    }
  }

  function updateSelectedCount(form: HTMLFormElement | null): void {
    if (!form) return;
    const n = form.querySelectorAll('input[name="sel"]:checked').length;
    for (const out of Array.from(form.querySelectorAll<HTMLElement>('[data-selected-count]'))) {
      out.textContent = n === 0 ? 'None selected' : `${n} selected`;
    }
  }

  document.addEventListener('change', (e) => {
    const target = e.target as HTMLInputElement | null;
    if (target?.type !== 'checkbox') return;
    const form = target.form;
    if (target.hasAttribute('data-select-page') && form) {
      for (const box of Array.from(form.querySelectorAll<HTMLInputElement>('input[name="sel"]'))) {
        box.checked = target.checked;
      }
    }
    updateSelectedCount(form);
  });

  // A picker's search box narrows its list (the list is already on the page: no QuickBooks request per key).
  document.addEventListener('input', (e) => {
    const box = e.target as HTMLInputElement | null;
    const listId = box?.dataset['filterFor'];
    if (!box || !listId) return;
    const select = document.getElementById(listId) as HTMLSelectElement | null;
    if (!select) return;
    const words = box.value.trim().toLowerCase();
    for (const opt of Array.from(select.options)) {
      if (!opt.value) continue;
      opt.hidden = words !== '' && !(opt.textContent ?? '').toLowerCase().includes(words);
    }
  });

  document.addEventListener('htmx:load', (e) => {
    const root = e.target as HTMLElement;
    drawCharts(root);
    updateSelectedCount(root.closest('form') ?? root.querySelector('form'));
  });

  // A confirmed action tells the lists to refresh at once (HX-Trigger: records-changed) and may say something.
  document.addEventListener('console-message', (e) => {
    const toast = document.getElementById('toast');
    const detail = (e as CustomEvent<{ value?: string }>).detail;
    if (toast && detail?.value) toast.textContent = detail.value;
  });

  document.addEventListener('click', (e) => {
    const target = e.target as HTMLElement | null;
    if (target?.id !== 'sign-out') return;
    void fetch('/admin/session', { method: 'DELETE', credentials: 'same-origin' }).then(() =>
      window.location.assign('/console'),
    );
  });
}
