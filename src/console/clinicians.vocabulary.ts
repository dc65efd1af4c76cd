/** Issue 11 item 1 — what a console account may do: review, or review and manage accounts. */
export const CLINICIAN_ROLES = ['clinician', 'admin'] as const;
export type ClinicianRole = (typeof CLINICIAN_ROLES)[number];

/**
 * Issue 11 item 4 — which queue a clinician works: `none` the live queue only, `also` the live
 * queue and the "Sandbox" queue of test-mode sessions, `only` the sandbox queue (the development
 * demo clinician).
 */
export const SANDBOX_ACCESS = ['none', 'also', 'only'] as const;
export type SandboxAccess = (typeof SANDBOX_ACCESS)[number];
