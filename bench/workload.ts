/**
 * The standard benchmark workload: "order event" JSON records of about 1 KB,
 * keyed by customer, generated from a seeded PRNG so every run (and the cost
 * test) sees exactly the same bytes.
 *
 * An event carries what a shop's order service would publish: random ids
 * (event, order, payment reference — these do not compress), a customer id
 * (the key; 5,000 customers, skewed so some order often), timestamps,
 * amounts, 1 to 6 line items drawn from a fixed catalogue of 240 products,
 * a shipping address from a small set of streets and cities, and a short
 * free-text note built from a vocabulary. Values are realistic in their
 * mix of repetitive structure (field names, catalogue entries) and entropy
 * (ids, amounts, timestamps): that mix decides the compression ratio, and the
 * compression ratio decides the write units per record.
 */

/** mulberry32: a small, fast, well-distributed 32-bit PRNG; deterministic for a seed. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, maxInclusive: number): number {
    return min + Math.floor(this.next() * (maxInclusive - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  hex(chars: number): string {
    let out = '';
    while (out.length < chars) out += Math.floor(this.next() * 0x100000000).toString(16).padStart(8, '0');
    return out.slice(0, chars);
  }
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}

export const DEFAULT_SEED = 20261106;

const ADJECTIVES = ['Classic', 'Compact', 'Deluxe', 'Eco', 'Everyday', 'Heavy-duty', 'Lightweight', 'Premium', 'Slim', 'Travel', 'Vintage', 'Wireless'];
const MATERIALS = ['bamboo', 'ceramic', 'cotton', 'glass', 'leather', 'linen', 'oak', 'recycled', 'stainless steel', 'wool'];
const NOUNS = ['backpack', 'blanket', 'bottle', 'desk lamp', 'headphones', 'kettle', 'mug', 'notebook', 'pillow', 'planter', 'scarf', 'speaker', 'teapot', 'towel', 'wallet', 'watch'];
const CATEGORIES = ['home', 'kitchen', 'office', 'outdoor', 'apparel', 'electronics'];
const STREETS = ['Main Street', 'High Street', 'Station Road', 'Church Lane', 'Park Avenue', 'Mill Road', 'Victoria Road', 'Green Lane', 'Kings Road', 'Queens Way'];
const CITIES: ReadonlyArray<readonly [string, string, string]> = [
  ['Berlin', 'BE', 'DE'],
  ['Lyon', 'ARA', 'FR'],
  ['Leeds', 'ENG', 'GB'],
  ['Porto', 'PT-13', 'PT'],
  ['Utrecht', 'UT', 'NL'],
  ['Austin', 'TX', 'US'],
  ['Denver', 'CO', 'US'],
  ['Toronto', 'ON', 'CA'],
];
const WORDS = [
  'please', 'leave', 'the', 'parcel', 'at', 'back', 'door', 'gift', 'wrap', 'it', 'ring', 'bell', 'twice', 'no', 'plastic',
  'call', 'on', 'arrival', 'fragile', 'birthday', 'present', 'for', 'my', 'sister', 'neighbour', 'can', 'sign', 'deliver',
  'after', '6pm', 'thanks', 'office', 'reception', 'side', 'gate', 'is', 'open', 'blue', 'house', 'second', 'floor',
];
const CHANNELS = ['web', 'ios', 'android', 'pos'];
const PAYMENT_METHODS = ['card', 'paypal', 'apple_pay', 'bank_transfer'];
const STATUSES = ['created', 'paid', 'packed', 'shipped'];
const WAREHOUSES = ['FRA-1', 'FRA-2', 'AMS-1', 'LHR-3', 'IAD-1', 'DFW-2', 'YYZ-1'];
const TIERS = ['standard', 'silver', 'gold', 'platinum'];
const LOCALES = ['de-DE', 'en-GB', 'en-US', 'fr-FR', 'nl-NL', 'pt-PT', 'en-CA'];

export interface CatalogueItem {
  sku: string;
  name: string;
  category: string;
  unitPrice: number;
}

/** 240 products, the same for every seed (the catalogue is part of the workload's definition). */
export const CATALOGUE: readonly CatalogueItem[] = (() => {
  const rng = new Rng(7);
  const out: CatalogueItem[] = [];
  for (let i = 0; i < 240; i++) {
    out.push({
      sku: `SKU-${String(10000 + i * 37).padStart(6, '0')}`,
      name: `${rng.pick(ADJECTIVES)} ${rng.pick(MATERIALS)} ${rng.pick(NOUNS)}`,
      category: rng.pick(CATEGORIES),
      unitPrice: Math.round((3 + rng.next() * 180) * 100) / 100,
    });
  }
  return out;
})();

export const CUSTOMERS = 5000;

/** A record as the produce API takes it. */
export interface BenchRecord {
  key: string;
  value: Record<string, unknown>;
}

/** Generates order events deterministically. */
export class OrderEvents {
  private readonly rng: Rng;
  private sequence = 0;
  private clock: number;

  constructor(seed = DEFAULT_SEED, startTime = 1_790_000_000_000) {
    this.rng = new Rng(seed);
    this.clock = startTime;
  }

  /** Customer ids are skewed: a quarter of the customers place about half of the orders. */
  private customer(): string {
    const r = this.rng;
    const id = r.next() < 0.5 ? r.int(0, CUSTOMERS / 4 - 1) : r.int(0, CUSTOMERS - 1);
    return `cus_${String(id).padStart(6, '0')}`;
  }

  next(): BenchRecord {
    const r = this.rng;
    this.sequence += 1;
    this.clock += r.int(1, 400);
    const customerId = this.customer();
    const lines = Array.from({ length: r.int(1, 6) }, () => {
      const product = r.pick(CATALOGUE);
      const quantity = r.next() < 0.8 ? 1 : r.int(2, 5);
      return { sku: product.sku, name: product.name, category: product.category, quantity, unitPrice: product.unitPrice };
    });
    const subtotal = Math.round(lines.reduce((n, l) => n + l.quantity * l.unitPrice, 0) * 100) / 100;
    const shipping = subtotal > 50 ? 0 : 4.95;
    const tax = Math.round(subtotal * 0.2 * 100) / 100;
    const [city, region, country] = r.pick(CITIES);
    const noteWords = r.next() < 0.6 ? r.int(3, 12) : 0;
    const note = Array.from({ length: noteWords }, () => r.pick(WORDS)).join(' ');
    const value = {
      type: `order.${r.pick(STATUSES)}`,
      eventId: r.uuid(),
      orderId: `ord_${r.hex(16)}`,
      customerId,
      sequence: this.sequence,
      occurredAt: new Date(this.clock).toISOString(),
      channel: r.pick(CHANNELS),
      currency: country === 'US' ? 'USD' : country === 'CA' ? 'CAD' : country === 'GB' ? 'GBP' : 'EUR',
      items: lines,
      amounts: { subtotal, tax, shipping, total: Math.round((subtotal + tax + shipping) * 100) / 100 },
      shippingAddress: {
        line1: `${r.int(1, 250)} ${r.pick(STREETS)}`,
        city,
        region,
        postcode: String(r.int(10000, 99999)),
        country,
      },
      payment: { method: r.pick(PAYMENT_METHODS), reference: `pay_${r.hex(20)}`, captured: r.next() < 0.9 },
      fulfilment: {
        warehouse: r.pick(WAREHOUSES),
        promisedBy: new Date(this.clock + r.int(1, 5) * 86_400_000).toISOString().slice(0, 10),
        giftWrap: r.next() < 0.1,
      },
      customer: { tier: r.pick(TIERS), locale: r.pick(LOCALES), marketingOptIn: r.next() < 0.4 },
      note,
    };
    return { key: customerId, value };
  }

  take(n: number): BenchRecord[] {
    return Array.from({ length: n }, () => this.next());
  }
}

/** Record bytes as the engine counts them (key + value JSON; no headers here). */
export function recordBytes(record: BenchRecord): number {
  return Buffer.byteLength(record.key) + Buffer.byteLength(JSON.stringify(record.value));
}
