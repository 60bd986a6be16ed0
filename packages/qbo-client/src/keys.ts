// Redis key names. All keys of one realm share a hash tag, so a Redis Cluster keeps them in one slot
// and the limiter's multi-key Lua script can run there.

const SAFE_ID = /^[\w.-]{1,64}$/;

/** '{qbo-sync}' or 'qbo-sync' → 'qbo-sync' (the braces are added per realm). */
export function baseOfPrefix(keyPrefix: string): string {
  const base = keyPrefix.replace(/^\{/, '').replace(/\}$/, '');
  if (!/^[\w:.-]+$/.test(base)) throw new Error(`keyPrefix "${keyPrefix}" must be like {qbo-sync}`);
  return base;
}

export function realmKeys(keyPrefix: string, realmId: string) {
  if (!SAFE_ID.test(realmId)) throw new Error(`unexpected realm id ${JSON.stringify(realmId)}`);
  const tag = `{${baseOfPrefix(keyPrefix)}:realm:${realmId}}`;
  return {
    window: `${tag}:window`,
    burst: `${tag}:burst`,
    leases: `${tag}:leases`,
    cooldown: `${tag}:cooldown`,
    refreshLock: `${tag}:refresh-lock`,
  };
}
