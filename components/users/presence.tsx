import { formatDateTime, relativeTime } from '@/components/lib/format';

export interface DevicePresence {
  clientId: string;
  lastSeenAt: string;
  lastDataVersion?: number;
  appBundleVersion?: string;
  lastOdeVersion?: string;
}

export function RelativeTime({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {relativeTime(iso)}
    </time>
  );
}

/** What each device of a user last reported. */
export function DeviceList({ devices }: { devices: DevicePresence[] }) {
  return (
    <ul className="presence-list">
      {devices.map((device) => (
        <li key={device.clientId}>
          <dl className="kv">
            <dt>Client id</dt>
            <dd className="mono">{device.clientId || '(none: web console or script)'}</dd>
            <dt>Last seen</dt>
            <dd>
              <RelativeTime iso={device.lastSeenAt} />
            </dd>
            <dt>Last data version</dt>
            <dd>{device.lastDataVersion ?? '—'}</dd>
            <dt>App bundle</dt>
            <dd>{device.appBundleVersion ?? '—'}</dd>
            <dt>Formulus version</dt>
            <dd>{device.lastOdeVersion ?? '—'}</dd>
          </dl>
        </li>
      ))}
    </ul>
  );
}
