// CPU per QBO-shaped request of the HTTP clients a worker could use, against one local server in its own
// process: got configured as packages/qbo-client configures it (the project's client), Node's fetch
// (undici) and bare node:http, same keep-alive agent, 20 requests in flight, 1,000 warm-up requests.
//   cd packages/qbo-client && node bench/http-client.mjs [--requests=4000]
// Answers "is the QBO client's cost got's or ours?" (docs/benchmarks.md, worker CPU per sync).
import { fork } from 'node:child_process';
import http from 'node:http';
import got from 'got';

if (process.argv[2] === '--serve') {
  const answer = JSON.stringify({ Invoice: { Id: '1', SyncToken: '0', TotalAmt: 10 }, time: new Date().toISOString() });
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', intuit_tid: 'bench' });
      res.end(answer);
    });
  });
  server.listen(0, '127.0.0.1', () => process.send?.(server.address().port));
} else {
  const requests = Number(process.argv.find((a) => a.startsWith('--requests='))?.split('=')[1] ?? 4000);
  const server = fork(new URL(import.meta.url).pathname, ['--serve']);
  const port = await new Promise((resolve) => server.once('message', resolve));
  const base = `http://127.0.0.1:${port}/v3/company/123`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const client = got.extend({
    agent: { http: agent },
    retry: { limit: 0 },
    timeout: { request: 10_000 },
    throwHttpErrors: false,
    responseType: 'text',
    headers: { accept: 'application/json', 'user-agent': 'qbo-sync' },
  });
  const invoice = {
    CustomerRef: { value: '5' },
    DocNumber: 'INV-1',
    Line: [{ Amount: '10.00', DetailType: 'SalesItemLineDetail' }],
  };
  const headers = { authorization: 'Bearer token', 'content-type': 'application/json', accept: 'application/json' };
  const clients = {
    got: async () =>
      (
        await client(`${base}/invoice`, {
          method: 'POST',
          searchParams: { minorversion: '75', requestid: 'r-1' },
          headers: { authorization: 'Bearer token' },
          json: invoice,
        })
      ).body,
    fetch: async () =>
      (
        await fetch(`${base}/invoice?minorversion=75&requestid=r-1`, {
          method: 'POST',
          headers,
          body: JSON.stringify(invoice),
        })
      ).text(),
    'node:http': () =>
      new Promise((resolve, reject) => {
        const body = JSON.stringify(invoice);
        const req = http.request(
          `${base}/invoice?minorversion=75&requestid=r-1`,
          { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c) => {
              text += c;
            });
            res.on('end', () => resolve(text));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      }),
  };
  const run = async (send, n) => {
    let i = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (i++ < n) JSON.parse(await send());
      }),
    );
  };
  console.log('| client | CPU per request (this process) | requests/s |\n|---|---|---|');
  for (const [name, send] of Object.entries(clients)) {
    await run(send, 1000);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run(send, requests);
    const cpu = process.cpuUsage(cpu0);
    const s = (performance.now() - t0) / 1000;
    console.log(`| ${name} | ${Math.round((cpu.user + cpu.system) / requests)} µs | ${Math.round(requests / s)} |`);
  }
  server.kill();
}
