import { describe, expect, it } from '@jest/globals';
import { decodeEntities, parseConsentForm } from './consent.js';

describe('parseConsentForm', () => {
  it('reads the action (resolved against the page), hidden fields with entities decoded, and company options', () => {
    const html = `<html><body><form method="post" action="/connect/oauth2/approve">
      <input type="hidden" name="client_id" value="sandbox-client-id">
      <input type="hidden" name="redirect_uri" value="http://127.0.0.1:3000/v1/connect/callback">
      <input type="hidden" name="state" value="a&#38;b&#61;c">
      <input type='hidden' name='scope' value='com.intuit.quickbooks.accounting'>
      <label>Company <select name="realmId"><option value="9130350000000001">Demo &amp; Co (9130350000000001)</option><option value="new">New</option></select></label>
      <button type="submit">Connect</button></form></body></html>`;
    expect(parseConsentForm(html, 'http://127.0.0.1:4010/connect/oauth2?client_id=x')).toEqual({
      action: 'http://127.0.0.1:4010/connect/oauth2/approve',
      fields: {
        client_id: 'sandbox-client-id',
        redirect_uri: 'http://127.0.0.1:3000/v1/connect/callback',
        state: 'a&b=c',
        scope: 'com.intuit.quickbooks.accounting',
      },
      realms: ['9130350000000001', 'new'],
    });
  });

  it('returns undefined for a page without a form (an error page)', () => {
    expect(parseConsentForm('<h1>Authorization error</h1>', 'http://x/')).toBeUndefined();
  });
});

describe('decodeEntities', () => {
  it('decodes numeric, hex and the common named entities; leaves unknown ones', () => {
    expect(decodeEntities('&#39;&#x27;&quot;&lt;&gt;&amp;&nbsp;')).toBe(`''"<>&&nbsp;`);
  });
});
