import type { Issue } from '@qbo-sync/contracts';

/** Exit codes: 0 ok, 1 a failure (API said no, unreachable, bad input file), 2 wrong usage. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export type CliErrorCode =
  | 'usage'
  | 'config_invalid'
  | 'api_unreachable'
  | 'api_error'
  | 'bad_response'
  | 'input_invalid'
  | 'credentials_missing'
  | 'oauth_flow_failed';

/** Every error the CLI reports on purpose: a stable code, a message that says what to do, an exit code. */
export class CliError extends Error {
  constructor(
    readonly code: CliErrorCode,
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
    this.name = this.constructor.name;
  }
}

/** Wrong command, argument or option. `usage` is the command's synopsis, printed under the message. */
export class UsageError extends CliError {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super('usage', message, EXIT.usage);
  }
}

/** The API did not answer at all (refused, DNS, timeout). */
export class ApiUnreachableError extends CliError {
  constructor(
    readonly baseUrl: string,
    detail: string,
  ) {
    super(
      'api_unreachable',
      `API not reachable at ${baseUrl} (${detail}) — is \`npm start\` running? Point the CLI elsewhere with --api-url or QBO_SYNC_API_URL.`,
    );
  }
}

/** The API answered with its error body `{ error: { code, message, issues? } }` (or something unexpected). */
export class ApiResponseError extends CliError {
  constructor(
    readonly status: number,
    readonly apiCode: string,
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super('api_error', message);
  }
}

/** A 2xx answer whose body does not have the documented shape: the CLI and API versions disagree. */
export class BadResponseError extends CliError {
  constructor(what: string, detail: string) {
    super(
      'bad_response',
      `Unexpected answer from ${what}: ${detail}. Is the CLI the same version as the API it talks to?`,
    );
  }
}

/** A file or value given to the CLI is unreadable or malformed. */
export class InputError extends CliError {
  constructor(message: string) {
    super('input_invalid', message);
  }
}

export class CredentialsMissingError extends CliError {
  constructor(tenantId: string, apiUrl: string, file: string) {
    super(
      'credentials_missing',
      `No API key and signing secret for tenant "${tenantId}" at ${apiUrl}. Save them with \`qbo-sync tenants create ${tenantId} --name … --save\` ` +
        `(or \`qbo-sync tenants rotate-key ${tenantId} --save\`), or set QBO_SYNC_API_KEY and QBO_SYNC_SIGNING_SECRET. Looked in ${file}.`,
    );
  }
}

export class OAuthFlowError extends CliError {
  constructor(message: string) {
    super('oauth_flow_failed', message);
  }
}
