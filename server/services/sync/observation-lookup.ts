import { ObservationRepository } from '@/server/db/repositories/observations';
import { problem } from '@/server/problems';
import { toWireRecord } from '@/server/services/sync/wire-record';
import type { WireRecord } from '@/server/wire/sync';

/** One observation as a pulled record, and the form types with their counts (the console). */
export class ObservationLookupService {
  constructor(private readonly observations = new ObservationRepository()) {}

  async getObservation(observationId: string): Promise<WireRecord> {
    const row = await this.observations.findOne(observationId);
    if (!row) throw problem('observation.not_found');
    return toWireRecord(row);
  }

  formTypes() {
    return this.observations.formTypes();
  }
}
