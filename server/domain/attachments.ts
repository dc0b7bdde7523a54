/**
 * A checked attachment id (server/services/attachments/ids.ts makes them; the attachment stores take them). Here,
 * below both, so that storage never imports from a service.
 */
export type AttachmentId = string & { readonly __brand: 'AttachmentId' };
