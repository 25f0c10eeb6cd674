/**
 * What the webhook sandbox received: each delivery once per `Idempotency-Key`. A repeated key is
 * answered with the answer stored for its first delivery, as Stripe-style receivers do, and is not
 * received again; a delivery without a key is always new.
 */

/** One delivery as the receiver kept it. */
export interface Receipt {
  /** The request path (`/hooks/orders`): one sandbox serves any number of endpoints. */
  path: string;
  idempotencyKey?: string;
  /** `X-Backflow-Timestamp` (or the configured header), when sent. */
  timestamp?: string;
  /** Whether a signature was checked against the sandbox's secret (and matched: a mismatch is refused). */
  verified: boolean;
  body: unknown;
  receivedAt: string;
}

export interface StoredAnswer {
  status: number;
  body: unknown;
}

export class Receipts {
  readonly list: Receipt[] = [];
  /** Idempotency key → the answer of its first delivery. */
  #answers = new Map<string, StoredAnswer>();

  /** The stored answer of `key`, if that key was delivered before. */
  answerFor(key: string | undefined): StoredAnswer | undefined {
    return key === undefined ? undefined : this.#answers.get(key);
  }

  /** Keeps a new delivery and the answer it gets. */
  keep(receipt: Receipt, answer: StoredAnswer): void {
    this.list.push(receipt);
    if (receipt.idempotencyKey !== undefined) this.#answers.set(receipt.idempotencyKey, answer);
  }

  clear(): void {
    this.list.length = 0;
    this.#answers.clear();
  }
}
