import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ApiError } from '../errors/api-error.js';

const PART_NAMES: Record<string, string> = {
  body: 'request body',
  querystring: 'query',
  params: 'path parameters',
  headers: 'headers',
};

/** A route schema's refusal, named field by field: `details.problems` is `[{path, message}]`. */
function fromValidationError(error: FastifyError): ApiError | null {
  if (!hasZodFastifySchemaValidationErrors(error)) return null;
  const problems = error.validation.map((issue) => ({
    path: issue.instancePath.split('/').filter(Boolean).join('.') || '(root)',
    message: issue.message,
  }));
  const summary = problems
    .slice(0, 3)
    .map((p) => `${p.path}: ${p.message}`)
    .join('; ');
  const part = PART_NAMES[error.validationContext ?? 'body'] ?? 'request';
  return new ApiError('invalid_request', `Invalid ${part}: ${summary}`, { problems });
}

/** Maps Fastify's own errors (body too large, bad JSON, ...) to our codes. */
function fromFastifyError(error: FastifyError): ApiError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
      return new ApiError('payload_too_large', `The request is larger than this server accepts (${error.message})`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new ApiError('unsupported_media_type', error.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('invalid_request', `The body is not valid JSON: ${error.message}`);
  }
  if (error instanceof SyntaxError) return new ApiError('invalid_request', `The body is not valid JSON: ${error.message}`);
  if (error.statusCode === 429) return new ApiError('rate_limited', error.message);
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new ApiError('invalid_request', error.message);
  }
  return null;
}

/** Every refusal leaves as `{error, message}` JSON; internals of a 5xx stay in the log. */
export function registerErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError = error instanceof ApiError ? error : (fromValidationError(error) ?? fromFastifyError(error));
    if (apiError) return reply.status(apiError.status).send(apiError.toBody());
    request.log.error({ err: error, method: request.method, url: request.url }, 'unexpected error');
    return reply.status(500).send({ error: 'internal_error', message: 'Something went wrong on the server; it is logged' });
  });
}
