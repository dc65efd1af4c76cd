export {
  DEFAULT_TOLERANCE_SECONDS,
  type ParsedSignatureHeader,
  parseSignatureHeader,
  SIGNATURE_HEADER,
  type VerifyWebhookOptions,
  verifyWebhook,
} from '@qualify/client/webhooks';
