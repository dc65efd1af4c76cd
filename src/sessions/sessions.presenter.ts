import { iso } from '../lib/clock.js';
import { sessionLinkToken } from '../lib/tokens.js';
import type { PublicSessionRow } from './sessions.repository.js';
import type { OrderItem, Pagination, QualificationSession } from './sessions.schemas.js';

export interface PresenterContext {
  publicUrl: string;
  secret: Buffer;
}

/** Links remembered per presenter context; a list page of 30 would otherwise compute 30 HMACs. */
const LINKS_KEPT = 10_000;
const linkCaches = new WeakMap<PresenterContext, Map<string, string>>();

/**
 * SPEC §2.2 — the shopper link of a session. The token is an HMAC of the id (~2.5 µs), the same
 * for every read of the session, so the links of the most recently presented sessions are kept in
 * memory (bounded; the oldest entry goes first). Only this process's memory holds them, as it
 * holds the secret they come from.
 */
export function shopperLink(ctx: PresenterContext, sessionId: string): string {
  let links = linkCaches.get(ctx);
  if (links === undefined) {
    links = new Map();
    linkCaches.set(ctx, links);
  }
  let link = links.get(sessionId);
  if (link === undefined) {
    link = `${ctx.publicUrl}/q/${sessionId}?t=${sessionLinkToken(ctx.secret, sessionId)}`;
    if (links.size >= LINKS_KEPT) links.delete(links.keys().next().value!);
    links.set(sessionId, link);
  }
  return link;
}

/**
 * SPEC §1.3 — the public object, built field by field from an allow-list: nothing a row holds
 * reaches a merchant unless it is named here. Key order is fixed so bodies are byte-stable.
 */
export function presentSession(ctx: PresenterContext, row: PublicSessionRow): QualificationSession {
  return {
    qualification_session_id: row.id,
    status: row.status,
    created_at: iso(row.created_at),
    email: row.email,
    expires_at: iso(row.expires_at),
    lmn_reviewed_at: iso(row.lmn_reviewed_at),
    source: row.source,
    user_id: row.user_id,
    skus_param: row.skus_param,
    eligible_amount: row.eligible_amount,
    fee: null,
    customer_status: null,
    session_type: null,
    user_business_id: null,
    charge_group_created_at: null,
    stripe_invoice_id: null,
    stripe_invoice_number: null,
    stripe_invoice_paid_at: null,
    metadata: row.metadata,
    customer_name: row.customer_name,
    success_url: row.success_url,
    failure_url: row.failure_url,
    order_items: parseOrderItems(row.order_items),
    redirect_url: shopperLink(ctx, row.id),
    rejection_reason: row.rejection_reason,
    livemode: row.livemode === 1,
    updated_at: iso(row.updated_at),
  };
}

export function parseOrderItems(json: string): OrderItem[] {
  return (JSON.parse(json) as OrderItem[]).map((item) => ({
    sku: item.sku,
    name: item.name ?? null,
    price: item.price ?? null,
    quantity: item.quantity ?? 1,
  }));
}

/** SPEC §1.6 — the pagination object of every paged list (sessions, their events, deliveries). */
export function pagination(page: number, pageSize: number, total: number): Pagination {
  return {
    current_page: page,
    page_size: pageSize,
    total_count: total,
    count: total,
    last_page: Math.max(1, Math.ceil(total / pageSize)),
  };
}
