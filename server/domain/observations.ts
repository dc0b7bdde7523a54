/**
 * An observation as a push stores it, once checked (server/services/sync/records.ts checks it; the observation
 * repository writes it). Here, below both, so that data access never imports from a service.
 */
export interface StorableRecord {
  observation_id: string;
  form_type: string;
  form_version: string;
  data: Record<string, unknown>;
  created_at: string | null;
  deleted: boolean;
  geolocation: Record<string, unknown> | null;
  author: string | null;
  device_id: string | null;
  tags: string[] | null;
}
