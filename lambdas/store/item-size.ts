/**
 * DynamoDB item sizes and the units DynamoDB's published rules charge at
 * least for a request, for the cases DynamoDB Local reports wrongly:
 * multi-item TransactWriteItems (it reports 2 units for three 1 KB puts;
 * DynamoDB charges 6), and reads that find nothing (it reports 0 for an
 * empty Query and for BatchGetItem keys with no item; DynamoDB charges the
 * minimum, 0.5 unit eventually consistent or 1 strongly consistent, per
 * Query and per key). See docs/PERFORMANCE.md, "Method".
 *
 * Rules (Amazon DynamoDB Developer Guide, "Item sizes and formats" and
 * "Capacity mode: transactions"): an item's size is the sum of its attribute
 * names' UTF-8 lengths and its values' sizes; a string is its UTF-8 length,
 * a binary its byte length, a number about 1 byte per 2 significant digits
 * plus 1, a boolean or null 1 byte, a list or map 3 bytes plus 1 per element
 * plus the elements (and, in a map, their names). A write costs 1 WCU per
 * started KB of the item, and 2 in a transaction.
 *
 * The input here is the marshalled request (AttributeValue shapes). For an
 * Update, Delete or ConditionCheck the request does not carry the stored
 * item, so its size is estimated from the key and the values the request
 * names: a lower bound, exact for the small group and catalog items
 * Tributary updates in transactions (all well under 1 KB).
 */

type AttributeValue = Record<string, unknown>;

const KB = 1024;

function numberSize(n: string): number {
  const digits = n.replace(/^[-+]/, '').replace(/[eE].*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

function binarySize(b: unknown): number {
  if (b instanceof Uint8Array) return b.byteLength;
  if (typeof b === 'string') return Buffer.byteLength(b, 'base64');
  return 0;
}

/** Size in bytes of one marshalled attribute value. */
export function valueSize(value: AttributeValue | undefined): number {
  if (!value || typeof value !== 'object') return 0;
  if (typeof value.S === 'string') return Buffer.byteLength(value.S);
  if (typeof value.N === 'string') return numberSize(value.N);
  if ('B' in value) return binarySize(value.B);
  if ('BOOL' in value || 'NULL' in value) return 1;
  if (Array.isArray(value.SS)) return (value.SS as string[]).reduce((n, s) => n + Buffer.byteLength(s), 0);
  if (Array.isArray(value.NS)) return (value.NS as string[]).reduce((n, s) => n + numberSize(s), 0);
  if (Array.isArray(value.BS)) return (value.BS as unknown[]).reduce<number>((n, b) => n + binarySize(b), 0);
  if (Array.isArray(value.L)) return 3 + (value.L as AttributeValue[]).reduce((n, v) => n + 1 + valueSize(v), 0);
  if (value.M && typeof value.M === 'object') return 3 + itemSize(value.M as Record<string, AttributeValue>, 1);
  return 0;
}

/** Size in bytes of a marshalled item (attribute names plus values; `perElement` adds map-element overhead). */
export function itemSize(item: Record<string, AttributeValue> | undefined, perElement = 0): number {
  let size = 0;
  for (const [name, value] of Object.entries(item ?? {})) size += Buffer.byteLength(name) + valueSize(value) + perElement;
  return size;
}

interface TransactAction {
  Item?: Record<string, AttributeValue>;
  Key?: Record<string, AttributeValue>;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
}

function actionSize(action: TransactAction): number {
  if (action.Item) return itemSize(action.Item);
  // Update, Delete, ConditionCheck: the key plus what the request names (a lower bound, see above).
  const names = Object.values(action.ExpressionAttributeNames ?? {}).reduce((n, s) => n + Buffer.byteLength(s), 0);
  const values = Object.values(action.ExpressionAttributeValues ?? {}).reduce((n, v) => n + valueSize(v), 0);
  return itemSize(action.Key) + names + values;
}

/**
 * Write capacity units of a TransactWriteItems request by DynamoDB's rules:
 * 2 per started KB of each item (ConditionCheck counted like a write, the
 * conservative reading).
 */
export function transactionWriteUnits(input: { TransactItems?: ReadonlyArray<Record<string, unknown>> }): number {
  let units = 0;
  for (const entry of input.TransactItems ?? []) {
    const action = (entry.Put ?? entry.Update ?? entry.Delete ?? entry.ConditionCheck) as TransactAction | undefined;
    if (!action) continue;
    units += 2 * Math.max(1, Math.ceil(actionSize(action) / KB));
  }
  return units;
}

export interface Units {
  read?: number;
  write?: number;
}

/**
 * What DynamoDB's rules charge at least for a request (marshalled input), for
 * the operations DynamoDB Local under-reports; undefined for the others (its
 * report is right for single-item operations).
 */
export function minimumUnits(operation: string, input: Record<string, unknown>): Units | undefined {
  const perRead = (consistent: unknown) => (consistent === true ? 1 : 0.5);
  switch (operation) {
    case 'TransactWriteItems': {
      const items = input.TransactItems as ReadonlyArray<Record<string, unknown>> | undefined;
      return (items?.length ?? 0) > 1 ? { write: transactionWriteUnits(input) } : undefined;
    }
    case 'Query':
    case 'Scan':
      return { read: perRead(input.ConsistentRead) };
    case 'BatchGetItem': {
      let read = 0;
      for (const request of Object.values((input.RequestItems ?? {}) as Record<string, { Keys?: unknown[]; ConsistentRead?: boolean }>)) {
        read += (request.Keys?.length ?? 0) * perRead(request.ConsistentRead);
      }
      return { read };
    }
    default:
      return undefined;
  }
}
