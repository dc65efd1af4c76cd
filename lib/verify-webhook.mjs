// Qualify webhook signature verification for merchants' receivers (SPEC §3.3). It lives in the
// client package (packages/client/src/webhooks.ts, published as `@qualify/client`); the server
// package re-exports it so `import { verifyWebhook } from 'qualify'` keeps working.
export {
  DEFAULT_TOLERANCE_SECONDS,
  parseSignatureHeader,
  SIGNATURE_HEADER,
  verifyWebhook,
} from '@qualify/client/webhooks';
