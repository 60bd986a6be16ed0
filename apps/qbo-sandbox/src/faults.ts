// QBO fault bodies and the codes the sandbox uses. Messages follow Intuit's published wording where known.

export interface FaultItem {
  Message: string;
  Detail: string;
  code: string;
  element: string;
}

export type FaultType = 'ValidationFault' | 'SystemFault' | 'AUTHENTICATION' | 'SERVICE';

export class QboError extends Error {
  constructor(
    readonly status: number,
    readonly items: FaultItem[],
    readonly type: FaultType = 'ValidationFault',
  ) {
    super(items[0]?.Detail ?? 'QBO fault');
  }

  get code(): string {
    return this.items[0]?.code ?? '';
  }
}

export function faultBody(
  err: QboError,
  time: string,
): { Fault: { Error: FaultItem[]; type: FaultType }; time: string } {
  return { Fault: { Error: err.items, type: err.type }, time };
}

function v(code: string, Message: string, Detail: string, element = ''): QboError {
  return new QboError(400, [{ Message, Detail, code, element }]);
}

const INACTIVE =
  "Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.";

export const fault = {
  authentication: (): QboError =>
    new QboError(
      401,
      [
        {
          Message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401',
          Detail: '',
          code: '3200',
          element: '',
        },
      ],
      'AUTHENTICATION',
    ),
  throttle: (): QboError =>
    new QboError(
      429,
      [
        {
          Message: 'message=ThrottleExceeded; errorCode=003001; statusCode=429',
          Detail: 'The request limit was reached. Try again later',
          code: '3001',
          element: '',
        },
      ],
      'SERVICE',
    ),
  system: (status: number): QboError =>
    new QboError(
      status,
      [
        {
          Message: 'An application error has occurred while processing your request',
          Detail: 'System Failure Error: An unexpected error occurred while accessing or saving your data.',
          code: '10000',
          element: '',
        },
      ],
      'SystemFault',
    ),
  unsupported: (detail: string): QboError => v('500', 'Unsupported Operation', `Operation ${detail} is not supported.`),
  notFound: (detail = INACTIVE, element = ''): QboError =>
    v('610', 'Object Not Found', `Object Not Found : ${detail}`, element),
  deleted: (element = ''): QboError =>
    v('610', 'Object Not Found', 'Object Not Found : Another user has deleted this transaction.', element),
  inactive: (element: string): QboError => v('610', 'Object Not Found', `Object Not Found : ${INACTIVE}`, element),
  batchTooLarge: (max: number): QboError =>
    v('1040', 'Batch size exceeds allowed limit', `Batch size exceeds allowed limit. The batch limit size is ${max}.`),
  invalidProperty: (element: string, detail: string): QboError =>
    v('2010', 'Request has invalid or unsupported property', `Property Name:${detail}`, element),
  required: (element: string): QboError =>
    v(
      '2020',
      'Required param missing, need to supply the required value for the API',
      `Required parameter ${element} is missing in the request`,
      element,
    ),
  stringLength: (element: string, max: number, len: number): QboError =>
    v(
      '2050',
      'String length is either shorter or longer than supported by specification',
      `String length specified does not match the supported length. Min:0 Max:${max} supported. Supplied length:${len}`,
      element,
    ),
  invalidEnum: (element: string, value: string): QboError =>
    v('2170', 'Invalid Enumeration', `Invalid Enumeration : ${value}`, element),
  invalidRef: (element: string, detail: string): QboError =>
    v('2500', 'Invalid Reference Id', `Invalid Reference Id : ${detail}`, element),
  queryParse: (detail: string): QboError => v('4000', 'Error parsing query', `QueryParserError: ${detail}`),
  queryValidation: (detail: string): QboError => v('4001', 'Invalid query', `QueryValidationError: ${detail}`),
  stale: (): QboError =>
    v(
      '5010',
      'Stale Object Error',
      'Stale Object Error : You and root were working on this at the same time. root finished before you did, so your work was not saved.',
    ),
  business: (detail: string, element = ''): QboError =>
    v(
      '6000',
      'A business validation error has occurred while processing your request',
      `Business Validation Error: ${detail}`,
      element,
    ),
  amountCalc: (supplied: string): QboError =>
    v(
      '6070',
      'Amount calculation incorrect in the request',
      `Amount is not equal to UnitPrice * Qty. Supplied value:${supplied}`,
      'Amount',
    ),
  noName: (): QboError =>
    v(
      '6080',
      'No Name Provided',
      'Title, GivenName, MiddleName, FamilyName, DisplayName, Suffix - one of these must be non-empty',
    ),
  invalidTaxCode: (supplied: string): QboError =>
    v(
      '6100',
      'Invalid Line TaxCode in the request',
      `Valid Line TaxCodes for US should be TAX or NON. Supplied value:${supplied}`,
      'TaxCodeRef',
    ),
  duplicateDocNumber: (docNumber: string, txnType: string, id: string): QboError =>
    v(
      '6140',
      'Duplicate Document Number Error',
      `Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=${docNumber} is assigned to TxnType=${txnType} with TxnId=${id}`,
      'DocNumber',
    ),
  duplicateName: (id: string): QboError =>
    v('6240', 'Duplicate Name Exists Error', `The name supplied already exists. : Id=${id}`),
};
