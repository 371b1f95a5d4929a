import { HttpStatus } from '@nestjs/common';
import { EndpointEntity } from '@herald/persistence';
import { ValidationProblem } from '@herald/platform';
import { compileTransform, isStandardSecret, TransformError } from '@herald/signing';

/**
 * Checks what depends on several fields at once: a standard-scheme secret must be `whsec_…`,
 * and a transform must compile (422 naming the JSONata error, as the receiver would never get
 * a request otherwise).
 */
export function assertValidFormats(endpoint: EndpointEntity): void {
  if (endpoint.signature.scheme === 'standard' && !isStandardSecret(endpoint.secret)) {
    throw new ValidationProblem([{ field: 'secret', message: 'the standard scheme needs "whsec_" followed by the base64 of 24-64 bytes' }]);
  }
  if (endpoint.body.envelope === 'transform' || (endpoint.type !== 'webhook' && endpoint.body.transform)) {
    try {
      compileTransform(endpoint.body.transform ?? '');
    } catch (error) {
      if (!(error instanceof TransformError)) throw error;
      throw new ValidationProblem(
        [{ field: 'body.transform', message: `not a valid JSONata expression: ${error.message}` }],
        HttpStatus.UNPROCESSABLE_ENTITY,
      );
    }
  }
}
