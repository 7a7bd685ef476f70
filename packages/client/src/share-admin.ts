/** Share-group administration (API.md, "Share groups"): describe, reset, delete. `client.shareGroups`. */
import { apiPath, type HttpTransport } from './http';
import type { ResetResult, ResetTo, ShareGroupDescription } from './share-types';

export class ShareAdmin {
  constructor(private readonly transport: HttpTransport) {}

  /** Per partition: start offset, end offset, records locked (acquired), waiting (available) and dead-lettered. */
  describe(group: string, topic: string): Promise<ShareGroupDescription> {
    return this.transport.request({ method: 'GET', path: apiPath`/v1/share-groups/${group}`, query: { topic }, retry: 'idempotent' });
  }

  /** Moves the start offset of the listed partitions (default all); locks in the reset range are dropped. Needs `admin`. */
  reset(group: string, topic: string, to: ResetTo, partitions?: number[]): Promise<ResetResult> {
    return this.transport.request({
      method: 'POST',
      path: apiPath`/v1/share-groups/${group}/offsets/reset`,
      body: { topic, to, partitions },
      retry: 'if-refused',
    });
  }

  /** Removes the group's state on the topic; its next receive starts afresh. Needs `admin`. */
  async delete(group: string, topic: string): Promise<void> {
    await this.transport.request({ method: 'DELETE', path: apiPath`/v1/share-groups/${group}`, query: { topic }, retry: 'if-refused' });
  }
}
