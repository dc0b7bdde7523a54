import { z } from 'zod';
import 'zod-openapi';

/**
 * Shared building blocks of the wire modules: the OpenAPI formats upstream's document gives its fields. These
 * are documentation only (`format` is not checked at run time), so a value the server stores is never refused
 * on the way out.
 */
export const int64 = () => z.number().int().meta({ format: 'int64' });
export const dateTime = () => z.string().meta({ format: 'date-time' });

/**
 * Renders an object without `additionalProperties: false`, so that a component used in both requests and
 * responses stays one component (zod-openapi would otherwise add an `…Output` twin).
 */
export const sameInBothDirections = ({ jsonSchema }: { jsonSchema: { additionalProperties?: unknown } }) => {
  delete jsonSchema.additionalProperties;
};
